#include "engine/cpu/attention/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/attention/attention_products.h"
#include "engine/cpu/attention/masked_softmax.h"
#include "engine/cpu/common/parallel_for.h"

namespace qtx::cpu {
namespace {

// Attention is two small GEMMs per (batch, head): scores = Q K^T and context = P V, run by
// attention_products.h's register tiles (the int8 kernel's float form), so every output is
// one sequential sum and the result does not depend on the tiling.

// Scratch for one (batch, head) pair: keys transposed to [dh, padded T] (zeros past T) so
// score tiles read contiguous key columns; values packed to [T, dh] (in the [B, S, H] input
// a head's rows lie H floats apart, a power-of-two multiple that maps every row to the same
// few L1 sets); the scores and contexts of one row tile; the mask as 1/0 (visible) and
// 0/-inf (hidden) floats, so softmax adds and multiplies instead of branching.
struct HeadScratch {
  std::vector<float> keys_t;
  std::vector<float> values;   // [T, dh]
  std::vector<float> scores;   // [kTileRows, padded T]
  std::vector<float> context;  // [kTileRows, dh]
  std::vector<float> visible;
  std::vector<float> hidden;
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

// Copies row[0, n) to dst[0, total), zeros after n; nothing when dst is nullptr.
void trace_row(const float* row, int64_t n, int64_t total, float* dst) {
  if (!dst) return;
  std::copy(row, row + n, dst);
  std::fill(dst + n, dst + total, 0.0f);
}

// Where one row tile's queries come from and its outputs and traced values go (trace rows
// nullptr: not wanted).
struct RowTile {
  int64_t rows;  // at most kTileRows
  const float* q[kTileRows];
  float* out[kTileRows];
  float* scores[kTileRows];
  float* probs[kTileRows];
  int64_t keys[kTileRows];  // keys each query sees: T, or past + i + 1 when causal
};

void attend_rows(const RowTile& tile, const AttentionRule& rule, int64_t total, int64_t dh,
                 HeadScratch& scratch) {
  const int64_t stride = padded_keys(total);
  const int64_t n_max = *std::max_element(tile.keys, tile.keys + tile.rows);
  float* s = scratch.scores.data();
  score_products(tile.rows, tile.q, scratch.keys_t.data(), stride, 0, dh, n_max, rule.scale, s);
  bool empty[kTileRows];
  for (int64_t r = 0; r < tile.rows; ++r) {
    float* sr = s + r * stride;
    const int64_t n = tile.keys[r];
    trace_row(sr, n, total, tile.scores[r]);
    const bool seen = masked_softmax(rule, scratch.visible.data(), scratch.hidden.data(), n, sr);
    std::fill(seen ? sr + n : sr, sr + n_max, 0.0f);
    trace_row(sr, n, total, tile.probs[r]);
    empty[r] = !seen;
  }
  // x * 1 == x for every float: the sums themselves.
  context_products(tile.rows, s, stride, scratch.values.data(), dh, 0, n_max, 1.0f,
                   scratch.context.data());
  for (int64_t r = 0; r < tile.rows; ++r) {
    // A query with no visible key is padding: its context is exactly zero, whatever V holds.
    if (empty[r]) {
      std::fill(tile.out[r], tile.out[r] + dh, 0.0f);
    } else {
      std::copy_n(scratch.context.data() + r * dh, dh, tile.out[r]);
    }
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
    tile.rows = std::min(kTileRows, shape.seq - i0);
    for (int64_t r = 0; r < tile.rows; ++r) {
      const int64_t i = i0 + r;
      tile.q[r] = q + (b * shape.seq + i) * row + h * dh;
      tile.out[r] = out + (b * shape.seq + i) * row + h * dh;
      tile.scores[r] = trace.scores ? trace.scores + trace_base + i * total : nullptr;
      tile.probs[r] = trace.probs ? trace.probs + trace_base + i * total : nullptr;
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
    scratch.context.resize(static_cast<size_t>(kTileRows * shape.dh));
    scratch.visible.resize(static_cast<size_t>(shape.total));
    scratch.hidden.resize(static_cast<size_t>(shape.total));
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / shape.heads, h = pair % shape.heads;
      transpose_keys(keys, b, h, shape.total, shape.dh, scratch.keys_t.data());
      pack_values(values, b, h, shape.total, shape.dh, scratch.values.data());
      attend_head(q, mask, shape, rule, trace, b, h, scratch, out);
    }
  });
}

}  // namespace qtx::cpu
