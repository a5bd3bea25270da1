#include "engine/cpu/attention_int8.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/parallel_for.h"
#include "engine/cpu/vector_math.h"

namespace qtx::cpu {
namespace {

// Scratch of one (batch, head) pair. Codes minus zero point fit int16 (|c - z| <= 383), so
// the dot products below vectorise as int16 multiply-adds into int32.
struct HeadScratch {
  std::vector<int16_t> q;     // [dh]
  std::vector<int16_t> k;     // [T][dh]
  std::vector<int16_t> v_t;   // [dh][T]
  std::vector<int16_t> p;     // [T]
  std::vector<int32_t> acc;   // [max(T, dh)]: integer dot products
  std::vector<float> scores;  // [T]
  std::vector<unsigned char> visible;
};

struct Head {
  const float* q;  // query i's row is q + i * row
  int64_t row;
  const float* keys;  // key t's row is keys + t * key_stride
  int64_t key_stride;
  const float* values;
  int64_t value_stride;
};

void to_codes(const float* x, int64_t n, const QuantGrid& g, int16_t* out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<int16_t>(quantize_code(x[i], g) - g.zero_point);
}

// out[r] = sum_i a[i] * b[r * stride + i] for r < rows: the integer QK^T of one query (keys
// as rows) and its PV (value columns as rows). Cloned for AVX2, where the int16 products
// become vpmaddwd on 16 lanes instead of SSE2's 8.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void dot_rows(const int16_t* a,
                                                                  const int16_t* b, int64_t n,
                                                                  int64_t rows, int64_t stride,
                                                                  int32_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const int16_t* br = b + r * stride;
    int32_t sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += int32_t{a[i]} * int32_t{br[i]};
    out[r] = sum;
  }
}

void prepare_codes(const Head& h, const AttentionShape& shape, const AttentionGrids& g,
                   HeadScratch& s) {
  const int64_t dh = shape.dh, total = shape.total;
  if (g.q && g.k) {
    for (int64_t t = 0; t < total; ++t) {
      to_codes(h.keys + t * h.key_stride, dh, *g.k, s.k.data() + t * dh);
    }
  }
  if (g.probs && g.v) {
    std::vector<int16_t> row(static_cast<size_t>(dh));
    for (int64_t t = 0; t < total; ++t) {
      to_codes(h.values + t * h.value_stride, dh, *g.v, row.data());
      for (int64_t d = 0; d < dh; ++d)
        s.v_t[static_cast<size_t>(d * total + t)] = row[static_cast<size_t>(d)];
    }
  }
}

void compute_scores(const Head& h, const float* qi, int64_t n, const AttentionShape& shape,
                    const AttentionRule& rule, const AttentionGrids& g, HeadScratch& s) {
  const int64_t dh = shape.dh;
  if (g.q && g.k) {
    to_codes(qi, dh, *g.q, s.q.data());
    const float factor = rule.scale * (g.q->scale * g.k->scale);
    dot_rows(s.q.data(), s.k.data(), dh, n, dh, s.acc.data());
    for (int64_t t = 0; t < n; ++t) {
      s.scores[static_cast<size_t>(t)] = factor * static_cast<float>(s.acc[static_cast<size_t>(t)]);
    }
    return;
  }
  for (int64_t t = 0; t < n; ++t) {
    const float* kt = h.keys + t * h.key_stride;
    float sum = 0.0f;
    for (int64_t d = 0; d < dh; ++d) sum += qi[d] * kt[d];
    s.scores[static_cast<size_t>(t)] = rule.scale * sum;
  }
}

// Scores -> probabilities in place over the n keys; false when no key is visible. exp is
// the vectorisable polynomial of vector_math.h (every exponent here is <= 0), cloned for AVX2.
[[gnu::target_clones("arch=x86-64-v3", "default")]] bool softmax(const AttentionRule& rule,
                                                                 const unsigned char* visible,
                                                                 int64_t n, float* p) {
  float max = -INFINITY;
  for (int64_t t = 0; t < n; ++t) {
    if (visible[t]) max = std::max(max, p[t]);
  }
  if (max == -INFINITY) return false;
  float sum = 0.0f;
  for (int64_t t = 0; t < n; ++t) {
    p[t] = visible[t] ? exp_nonpositive(p[t] - max) : 0.0f;
    sum += p[t];
  }
  const float inv = 1.0f / sum;
  for (int64_t t = 0; t < n; ++t) p[t] *= inv;
  if (rule.clipped) {
    const float stretch = rule.zeta - rule.gamma;
    for (int64_t t = 0; t < n; ++t) {
      p[t] = visible[t] ? std::clamp(stretch * p[t] + rule.gamma, 0.0f, 1.0f) : 0.0f;
    }
  }
  return true;
}

void weigh_values(const Head& h, int64_t n, const AttentionShape& shape, const AttentionGrids& g,
                  HeadScratch& s, float* oi) {
  const int64_t dh = shape.dh, total = shape.total;
  const float* p = s.scores.data();
  if (g.probs && g.v) {
    to_codes(p, n, *g.probs, s.p.data());
    const float factor = g.probs->scale * g.v->scale;
    dot_rows(s.p.data(), s.v_t.data(), n, dh, total, s.acc.data());
    for (int64_t d = 0; d < dh; ++d)
      oi[d] = factor * static_cast<float>(s.acc[static_cast<size_t>(d)]);
    return;
  }
  std::fill(oi, oi + dh, 0.0f);
  for (int64_t t = 0; t < n; ++t) {
    if (p[t] == 0.0f) continue;
    const float* vt = h.values + t * h.value_stride;
    for (int64_t d = 0; d < dh; ++d) oi[d] += p[t] * vt[d];
  }
}

void dump_row(const float* row, int64_t n, int64_t total, float* dst) {
  if (!dst) return;
  std::copy(row, row + n, dst);
  std::fill(dst + n, dst + total, 0.0f);
}

void attend_head(const Head& h, const int32_t* mask, const AttentionShape& shape,
                 const AttentionRule& rule, const AttentionGrids& g, AttentionDumps dumps,
                 HeadScratch& s, float* out) {
  const int64_t total = shape.total, past = total - shape.seq;
  prepare_codes(h, shape, g, s);
  for (int64_t i = 0; i < shape.seq; ++i) {
    const int64_t n = rule.causal ? past + i + 1 : total;
    float* oi = out + i * h.row;
    float* scores = s.scores.data();
    compute_scores(h, h.q + i * h.row, n, shape, rule, g, s);
    dump_row(scores, n, total, dumps.scores ? dumps.scores + i * total : nullptr);
    if (g.scores) fake_quantize(*g.scores, scores, n);
    for (int64_t t = 0; t < n; ++t) s.visible[static_cast<size_t>(t)] = mask[t] != 0;
    if (!softmax(rule, s.visible.data(), n, scores)) {
      std::fill(scores, scores + n, 0.0f);
      dump_row(scores, n, total, dumps.probs ? dumps.probs + i * total : nullptr);
      std::fill(oi, oi + shape.dh, 0.0f);
      continue;
    }
    dump_row(scores, n, total, dumps.probs ? dumps.probs + i * total : nullptr);
    if (g.probs) fake_quantize(*g.probs, scores, n);
    weigh_values(h, n, shape, g, s, oi);
  }
}

}  // namespace

void attention_int8(const float* q, KvView keys, KvView values, const int32_t* mask,
                    const AttentionShape& shape, const AttentionRule& rule,
                    const AttentionGrids& grids, AttentionDumps dumps, int threads, float* out) {
  const int64_t row = shape.heads * shape.dh;
  const int64_t per_pair = shape.seq * shape.total;
  const int64_t work_per_pair = per_pair * shape.dh;
  const int64_t min_pairs =
      std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(work_per_pair, 1));
  parallel_for(shape.batch * shape.heads, threads, min_pairs, [&](int64_t begin, int64_t end) {
    HeadScratch s;
    s.q.resize(static_cast<size_t>(shape.dh));
    s.k.resize(static_cast<size_t>(shape.total * shape.dh));
    s.v_t.resize(s.k.size());
    s.p.resize(static_cast<size_t>(shape.total));
    s.acc.resize(static_cast<size_t>(std::max(shape.total, shape.dh)));
    s.scores.resize(static_cast<size_t>(shape.total));
    s.visible.resize(static_cast<size_t>(shape.total));
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / shape.heads, h = pair % shape.heads;
      const Head head{q + b * shape.seq * row + h * shape.dh,
                      row,
                      keys.data + b * keys.batch_stride + h * keys.head_stride,
                      keys.token_stride,
                      values.data + b * values.batch_stride + h * values.head_stride,
                      values.token_stride};
      AttentionDumps pair_dumps;
      if (dumps.scores) pair_dumps.scores = dumps.scores + pair * per_pair;
      if (dumps.probs) pair_dumps.probs = dumps.probs + pair * per_pair;
      attend_head(head, mask + b * shape.total, shape, rule, grids, pair_dumps, s,
                  out + b * shape.seq * row + h * shape.dh);
    }
  });
}

}  // namespace qtx::cpu
