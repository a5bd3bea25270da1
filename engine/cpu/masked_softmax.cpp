#include "engine/cpu/masked_softmax.h"

#include <algorithm>
#include <cmath>

#include "engine/cpu/vector_math.h"

namespace qtx::cpu {
namespace {

// The largest visible score, or -inf when no key is visible.
[[gnu::always_inline]] inline float visible_max(const float* s, const float* hidden, int64_t n) {
  float lanes[kSoftmaxLanes];
  std::fill(lanes, lanes + kSoftmaxLanes, -INFINITY);
  const int64_t whole = n - n % kSoftmaxLanes;
  for (int64_t t = 0; t < whole; t += kSoftmaxLanes) {
    for (int64_t j = 0; j < kSoftmaxLanes; ++j) {
      const float v = s[t + j] + hidden[t + j];
      lanes[j] = lanes[j] > v ? lanes[j] : v;
    }
  }
  for (int64_t t = whole; t < n; ++t) lanes[0] = std::max(lanes[0], s[t] + hidden[t]);
  return *std::max_element(lanes, lanes + kSoftmaxLanes);
}

[[gnu::always_inline]] inline float lane_sum(const float* s, int64_t n) {
  float lanes[kSoftmaxLanes] = {};
  const int64_t whole = n - n % kSoftmaxLanes;
  for (int64_t t = 0; t < whole; t += kSoftmaxLanes) {
    for (int64_t j = 0; j < kSoftmaxLanes; ++j) lanes[j] += s[t + j];
  }
  for (int64_t t = whole; t < n; ++t) lanes[0] += s[t];
  float total = 0.0f;
  for (float lane : lanes) total += lane;
  return total;
}

}  // namespace

// Cloned for AVX2: exp, the sums and the clipping run on 8 lanes.
[[gnu::target_clones("arch=x86-64-v3", "default")]] bool masked_softmax(const AttentionRule& rule,
                                                                        const float* visible,
                                                                        const float* hidden,
                                                                        int64_t n, float* s) {
  const float max = visible_max(s, hidden, n);
  if (max == -INFINITY) return false;
  for (int64_t t = 0; t < n; ++t) s[t] = exp_nonpositive(s[t] - max) * visible[t];
  const float inv = 1.0f / lane_sum(s, n);
  for (int64_t t = 0; t < n; ++t) s[t] *= inv;
  if (rule.clipped) {
    const float stretch = rule.zeta - rule.gamma;
    for (int64_t t = 0; t < n; ++t) {
      s[t] = std::clamp(stretch * s[t] + rule.gamma, 0.0f, 1.0f) * visible[t];
    }
  }
  return true;
}

}  // namespace qtx::cpu
