#include "engine/cpu/attention/masked_softmax.h"

#include <algorithm>
#include <cmath>

#include "engine/cpu/common/vec8.h"
#include "engine/cpu/common/vector_math.h"

namespace qtx::cpu {
namespace {

static_assert(kSoftmaxLanes == 8, "one Vec8 of lanes");

// The largest visible score, or -inf when no key is visible.
[[gnu::always_inline]] inline float visible_max(const float* s, const float* hidden, int64_t n) {
  Vec8 lanes = {-INFINITY, -INFINITY, -INFINITY, -INFINITY,
                -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  const int64_t whole = n - n % kSoftmaxLanes;
  for (int64_t t = 0; t < whole; t += kSoftmaxLanes) {
    const Vec8 v = vec_at(s + t) + vec_at(hidden + t);
    lanes = lanes > v ? lanes : v;
  }
  float max = lanes[0];
  for (int64_t t = whole; t < n; ++t) max = std::max(max, s[t] + hidden[t]);
  for (int64_t j = 1; j < kSoftmaxLanes; ++j) max = std::max(max, lanes[j]);
  return max;
}

[[gnu::always_inline]] inline float lane_sum(const float* s, int64_t n) {
  Vec8 lanes = {};
  const int64_t whole = n - n % kSoftmaxLanes;
  for (int64_t t = 0; t < whole; t += kSoftmaxLanes) lanes += vec_at(s + t);
  float total = lanes[0];
  for (int64_t t = whole; t < n; ++t) total += s[t];
  for (int64_t j = 1; j < kSoftmaxLanes; ++j) total += lanes[j];
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
