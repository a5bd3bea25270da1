#include "engine/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/attention_products.h"
#include "engine/cpu/masked_softmax.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/vec8.h"

namespace qtx::cpu {
namespace {

// Attention is two small GEMMs per (batch, head): scores = Q K^T and context = P V. Both run
// as tiles of kTileRows query rows x kTileCols columns whose accumulators stay in registers
// (two AVX2 vectors per row); every output is still one sequential sum, so the result does
// not depend on the tiling. Tile sizes and the padded key stride are those of the int8
// kernel's products (attention_products.h).

// Scratch for one (batch, head) pair: keys transposed to [dh, padded T] (zeros past T) so
// score tiles read contiguous key columns; values packed to [T, dh] (in the [B, S, H] input
// a head's rows lie H floats apart, a power-of-two multiple that maps every row to the same
// few L1 sets); the scores of one row tile; the mask as 1/0
// (visible) and 0/-inf (hidden) floats, so softmax adds and multiplies instead of branching.
struct HeadScratch {
  std::vector<float> keys_t;
  std::vector<float> values;  // [T, dh]
  std::vector<float> scores;  // [kTileRows, padded T]
  std::vector<float> visible;
  std::vector<float> hidden;
  std::vector<float> spill;  // [dh]: the output of rows past the sequence in the last tile
};

void pack_values(KvView values, int64_t b, int64_t h, int64_t total, int64_t dh, float* packed) {
  const float* base = values.data + b * values.batch_stride + h * values.head_stride;
  for (int64_t t = 0; t < total; ++t) {
    std::copy_n(base + t * values.token_stride, dh, packed + t * dh);
  }
}

void transpose_keys(KvView keys, int64_t b, int64_t h, int64_t total, int64_t dh, float* kt) {
  const int64_t stride = padded_keys(total);
  const float* base = keys.data + b * keys.batch_stride + h * keys.head_stride;
  for (int64_t d = 0; d < dh; ++d) {
    for (int64_t t = total; t < stride; ++t) kt[d * stride + t] = 0.0f;
  }
  for (int64_t t = 0; t < total; ++t) {
    const float* k = base + t * keys.token_stride;
    for (int64_t d = 0; d < dh; ++d) kt[d * stride + t] = k[d];
  }
}

// Tiles are written with Vec8 (vec8.h) so that the accumulators are vectors along the columns,
// the layout that keeps them in registers.
constexpr int64_t kVecs = kTileCols / 8;

// s[r][t0 .. t0 + kTileCols) = sum_d q[r][d] * kt[d][t], summed over d in order.
[[gnu::always_inline]] inline void score_tile(const float* const* q, const float* kt,
                                              int64_t stride, int64_t dh, int64_t t0, float* s) {
  Vec8 acc[kTileRows][kVecs] = {};
  for (int64_t d = 0; d < dh; ++d) {
    Vec8 k[kVecs];
    for (int64_t c = 0; c < kVecs; ++c) k[c] = vec_at(kt + d * stride + t0 + 8 * c);
    for (int64_t r = 0; r < kTileRows; ++r) {
      const float qd = q[r][d];
      for (int64_t c = 0; c < kVecs; ++c) acc[r][c] += qd * k[c];
    }
  }
  for (int64_t r = 0; r < kTileRows; ++r) {
    for (int64_t c = 0; c < kVecs; ++c) vec_at(s + r * stride + t0 + 8 * c) = acc[r][c];
  }
}

// o[r][d0 .. d0 + kTileCols) = sum_{t < n} p[r][t] * v[t][d], summed over t in order.
[[gnu::always_inline]] inline void context_tile(const float* p, int64_t stride, const float* v,
                                                int64_t token_stride, int64_t n, int64_t d0,
                                                float* const* o) {
  Vec8 acc[kTileRows][kVecs] = {};
  for (int64_t t = 0; t < n; ++t) {
    Vec8 x[kVecs];
    for (int64_t c = 0; c < kVecs; ++c) x[c] = vec_at(v + t * token_stride + d0 + 8 * c);
    for (int64_t r = 0; r < kTileRows; ++r) {
      const float pt = p[r * stride + t];
      for (int64_t c = 0; c < kVecs; ++c) acc[r][c] += pt * x[c];
    }
  }
  for (int64_t r = 0; r < kTileRows; ++r) {
    for (int64_t c = 0; c < kVecs; ++c) vec_at(o[r] + d0 + 8 * c) = acc[r][c];
  }
}

void context_remainder(const float* p, int64_t stride, const float* v, int64_t token_stride,
                       int64_t n, int64_t d0, int64_t dh, float* const* o) {
  for (int64_t r = 0; r < kTileRows; ++r) {
    for (int64_t d = d0; d < dh; ++d) {
      float acc = 0.0f;
      for (int64_t t = 0; t < n; ++t) acc += p[r * stride + t] * v[t * token_stride + d];
      o[r][d] = acc;
    }
  }
}

// Copies row[0, n) to dst[0, total), zeros after n; nothing when dst is nullptr.
void trace_row(const float* row, int64_t n, int64_t total, float* dst) {
  if (!dst) return;
  std::copy(row, row + n, dst);
  std::fill(dst + n, dst + total, 0.0f);
}

// Where one row tile's outputs and traced values go (trace rows nullptr: not wanted).
struct RowTile {
  const float* q[kTileRows];
  float* out[kTileRows];
  float* scores[kTileRows];
  float* probs[kTileRows];
  int64_t keys[kTileRows];  // keys each query sees: T, or past + i + 1 when causal
};

// One row tile of one (batch, head); rows past the sequence repeat its last row into a
// scratch output, so every tile is full.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void attend_rows(const RowTile& tile,
                                                                     const AttentionRule& rule,
                                                                     int64_t total, int64_t dh,
                                                                     HeadScratch& scratch) {
  const float* const* q = tile.q;
  float* const* o = tile.out;
  const int64_t* visible_keys = tile.keys;
  const float* vbase = scratch.values.data();
  const int64_t token_stride = dh;
  const int64_t stride = static_cast<int64_t>(scratch.scores.size()) / kTileRows;
  const int64_t n_max = *std::max_element(visible_keys, visible_keys + kTileRows);
  float* s = scratch.scores.data();
  for (int64_t t0 = 0; t0 < n_max; t0 += kTileCols) {
    score_tile(q, scratch.keys_t.data(), stride, dh, t0, s);
  }
  bool empty[kTileRows];
  for (int64_t r = 0; r < kTileRows; ++r) {
    float* sr = s + r * stride;
    const int64_t n = visible_keys[r];
    for (int64_t t = 0; t < n; ++t) sr[t] *= rule.scale;
    trace_row(sr, n, total, tile.scores[r]);
    const bool seen = masked_softmax(rule, scratch.visible.data(), scratch.hidden.data(), n, sr);
    std::fill(seen ? sr + n : sr, sr + n_max, 0.0f);
    trace_row(sr, n, total, tile.probs[r]);
    empty[r] = !seen;
  }
  int64_t d0 = 0;
  for (; d0 + kTileCols <= dh; d0 += kTileCols) {
    context_tile(s, stride, vbase, token_stride, n_max, d0, o);
  }
  if (d0 < dh) context_remainder(s, stride, vbase, token_stride, n_max, d0, dh, o);
  // A query with no visible key is padding: its context is exactly zero, whatever V holds.
  for (int64_t r = 0; r < kTileRows; ++r) {
    if (empty[r]) std::fill(o[r], o[r] + dh, 0.0f);
  }
}

void attend_head(const float* q, const int32_t* mask, const AttentionShape& shape,
                 const AttentionRule& rule, AttentionTrace trace, int64_t b, int64_t h,
                 HeadScratch& scratch, float* out) {
  const int64_t total = shape.total;
  const int64_t past = total - shape.seq;
  const int64_t dh = shape.dh;
  const int64_t row = shape.heads * dh;
  for (int64_t t = 0; t < total; ++t) {
    const bool seen = mask[b * total + t] != 0;
    scratch.visible[static_cast<size_t>(t)] = seen ? 1.0f : 0.0f;
    scratch.hidden[static_cast<size_t>(t)] = seen ? 0.0f : -INFINITY;
  }
  // Trace rows of this (batch, head): [S, T] at ((b * heads + h) * S) * T.
  const int64_t trace_base = (b * shape.heads + h) * shape.seq * total;
  for (int64_t i0 = 0; i0 < shape.seq; i0 += kTileRows) {
    RowTile tile;
    for (int64_t r = 0; r < kTileRows; ++r) {
      const int64_t i = std::min(i0 + r, shape.seq - 1);
      const bool real = i0 + r < shape.seq;
      tile.q[r] = q + (b * shape.seq + i) * row + h * dh;
      tile.out[r] = real ? out + (b * shape.seq + i) * row + h * dh : scratch.spill.data();
      tile.scores[r] = real && trace.scores ? trace.scores + trace_base + i * total : nullptr;
      tile.probs[r] = real && trace.probs ? trace.probs + trace_base + i * total : nullptr;
      tile.keys[r] = rule.causal ? past + i + 1 : total;
    }
    attend_rows(tile, rule, total, dh, scratch);
  }
}

}  // namespace

void attention(const float* q, KvView keys, KvView values, const int32_t* mask,
               const AttentionShape& shape, const AttentionRule& rule, int threads, float* out,
               AttentionTrace trace) {
  // (batch, head) pairs are independent: each writes its own columns of `out`.
  const int64_t work_per_pair = shape.seq * shape.total * shape.dh;
  constexpr int64_t kMinWorkPerThread = 1 << 16;
  const int64_t min_pairs =
      std::max<int64_t>(1, kMinWorkPerThread / std::max<int64_t>(work_per_pair, 1));
  parallel_for(shape.batch * shape.heads, threads, min_pairs, [&](int64_t begin, int64_t end) {
    HeadScratch scratch;
    const int64_t stride = padded_keys(shape.total);
    scratch.keys_t.resize(static_cast<size_t>(shape.dh * stride));
    scratch.values.resize(static_cast<size_t>(shape.total * shape.dh));
    scratch.scores.resize(static_cast<size_t>(kTileRows * stride));
    scratch.visible.resize(static_cast<size_t>(shape.total));
    scratch.hidden.resize(static_cast<size_t>(shape.total));
    scratch.spill.resize(static_cast<size_t>(shape.dh));
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / shape.heads, h = pair % shape.heads;
      transpose_keys(keys, b, h, shape.total, shape.dh, scratch.keys_t.data());
      pack_values(values, b, h, shape.total, shape.dh, scratch.values.data());
      attend_head(q, mask, shape, rule, trace, b, h, scratch, out);
    }
  });
}

}  // namespace qtx::cpu
