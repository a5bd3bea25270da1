// The two matrix products of attention for a few query rows of one (batch, head): scores
// Q K^T against keys stored transposed, and contexts P V. Both run as tiles of up to
// kTileRows rows x kTileCols columns whose accumulators stay in AVX2 registers, and every
// output is one sum taken in order of the reduced index, so results do not depend on the
// tiling or the ISA. The float kernel (attention.h) runs them on float operands, the int8
// kernel (attention_int8.h) also on integer codes held in floats, where bounded blocks of terms
// sum exactly.
#pragma once

#include <cstdint>

namespace qtx::cpu {

inline constexpr int64_t kTileRows = 4;
inline constexpr int64_t kTileCols = 16;

// The row stride of transposed keys and of score rows: T rounded up to whole tiles, plus one
// tile, so that rows 2^k bytes apart do not all fall into the same few L1 cache sets.
inline int64_t padded_keys(int64_t total) {
  return (total + kTileCols - 1) / kTileCols * kTileCols + kTileCols;
}

// s[r * stride + t] = scale * sum_{d0 <= d < d1} q[r][d] * kt[d * stride + t], for r < rows
// and t below `keys` rounded up to kTileCols (kt is zero-padded to `stride` columns).
void score_products(int64_t rows, const float* const* q, const float* kt, int64_t stride,
                    int64_t d0, int64_t d1, int64_t keys, float scale, float* s);

// c[r * dh + d] = scale * sum_{t0 <= t < t1} p[r * stride + t] * v[t * dh + d], for r < rows
// and d < dh.
void context_products(int64_t rows, const float* p, int64_t stride, const float* v, int64_t dh,
                      int64_t t0, int64_t t1, float scale, float* c);

}  // namespace qtx::cpu
