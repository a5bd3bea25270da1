#include "engine/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/parallel_for.h"

namespace qtx::cpu {
namespace {

// Scratch for one (batch, head) pair: keys transposed to [dh, T] so a query's scores are
// accumulated as contiguous axpy loops over T, which vectorise without reassociation.
struct HeadScratch {
  std::vector<float> keys_t;
  std::vector<float> scores;
  std::vector<unsigned char> visible;
};

void transpose_keys(KvView keys, int64_t b, int64_t h, int64_t total, int64_t dh, float* kt) {
  const float* base = keys.data + b * keys.batch_stride + h * keys.head_stride;
  for (int64_t t = 0; t < total; ++t) {
    const float* k = base + t * keys.token_stride;
    for (int64_t d = 0; d < dh; ++d) kt[d * total + t] = k[d];
  }
}

// Turns scores into probabilities in place; invisible keys get exactly 0. Returns false when
// no key is visible.
bool softmax_row(const AttentionRule& rule, const unsigned char* visible, int64_t n, float* s) {
  float max = -INFINITY;
  for (int64_t t = 0; t < n; ++t) {
    if (visible[t]) max = std::max(max, s[t]);
  }
  if (max == -INFINITY) return false;
  float sum = 0.0f;
  for (int64_t t = 0; t < n; ++t) {
    s[t] = visible[t] ? std::exp(s[t] - max) : 0.0f;
    sum += s[t];
  }
  const float inv = 1.0f / sum;
  for (int64_t t = 0; t < n; ++t) s[t] *= inv;
  if (rule.clipped) {
    const float stretch = rule.zeta - rule.gamma;
    for (int64_t t = 0; t < n; ++t) {
      s[t] = visible[t] ? std::clamp(stretch * s[t] + rule.gamma, 0.0f, 1.0f) : 0.0f;
    }
  }
  return true;
}

void attend_head(const float* q, KvView values, const int32_t* mask, const AttentionShape& shape,
                 const AttentionRule& rule, int64_t b, int64_t h, HeadScratch& scratch,
                 float* out) {
  const int64_t total = shape.total;
  const int64_t past = total - shape.seq;
  const int64_t dh = shape.dh;
  const int64_t row = shape.heads * dh;
  const float* vbase = values.data + b * values.batch_stride + h * values.head_stride;
  float* s = scratch.scores.data();
  unsigned char* visible = scratch.visible.data();
  for (int64_t i = 0; i < shape.seq; ++i) {
    const float* qi = q + (b * shape.seq + i) * row + h * dh;
    float* oi = out + (b * shape.seq + i) * row + h * dh;
    const int64_t n = rule.causal ? past + i + 1 : total;
    for (int64_t t = 0; t < n; ++t) {
      s[t] = 0.0f;
      visible[t] = mask[b * total + t] != 0;
    }
    for (int64_t d = 0; d < dh; ++d) {
      const float qd = qi[d];
      const float* kd = scratch.keys_t.data() + d * total;
      for (int64_t t = 0; t < n; ++t) s[t] += qd * kd[t];
    }
    for (int64_t t = 0; t < n; ++t) s[t] *= rule.scale;
    std::fill(oi, oi + dh, 0.0f);
    if (!softmax_row(rule, visible, n, s)) continue;
    for (int64_t t = 0; t < n; ++t) {
      if (s[t] == 0.0f) continue;
      const float p = s[t];
      const float* vt = vbase + t * values.token_stride;
      for (int64_t d = 0; d < dh; ++d) oi[d] += p * vt[d];
    }
  }
}

}  // namespace

void attention(const float* q, KvView keys, KvView values, const int32_t* mask,
               const AttentionShape& shape, const AttentionRule& rule, int threads, float* out) {
  // (batch, head) pairs are independent: each writes its own columns of `out`.
  const int64_t work_per_pair = shape.seq * shape.total * shape.dh;
  constexpr int64_t kMinWorkPerThread = 1 << 16;
  const int64_t min_pairs =
      std::max<int64_t>(1, kMinWorkPerThread / std::max<int64_t>(work_per_pair, 1));
  parallel_for(shape.batch * shape.heads, threads, min_pairs, [&](int64_t begin, int64_t end) {
    HeadScratch scratch;
    scratch.keys_t.resize(static_cast<size_t>(shape.dh * shape.total));
    scratch.scores.resize(static_cast<size_t>(shape.total));
    scratch.visible.resize(static_cast<size_t>(shape.total));
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / shape.heads, h = pair % shape.heads;
      transpose_keys(keys, b, h, shape.total, shape.dh, scratch.keys_t.data());
      attend_head(q, values, mask, shape, rule, b, h, scratch, out);
    }
  });
}

}  // namespace qtx::cpu
