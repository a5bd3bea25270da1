// The two products of attention on integer codes with AVX2's vpmaddwd, which multiplies 16
// pairs of int16 and adds the two products of each pair into an int32 lane: twice the
// multiply-adds of a float FMA per instruction, and exact (|code - zero_point| <= 383, so a
// pair adds to less than 2^19 and kMaxInt8AttentionKeys terms to less than 2^31). Operands
// come as int16 codes (centred: code - zero_point) in pairs along the summed index:
//   queries: one row of 2 * pairs codes per query (the two of a pair adjacent);
//   keys: [pairs][stride][2], the pair (k[t][2j], k[t][2j + 1]) at (j * stride + t) * 2;
//   probabilities: one row of 2 * pairs codes per query, rows `stride` apart;
//   values: [pairs][columns][2], the pair (v[2j][d], v[2j + 1][d]) at (j * columns + d) * 2.
// Results are factor * float(int32 sum), as the INT8 contract has them.
#pragma once

#include <cstdint>

namespace qtx::cpu {

// Whether this CPU runs AVX2 code.
bool avx2_products_supported();

// s[r * stride + t] = factor * float(sum_{d < 2 * pairs} q[r][d] * k[t][d]), for r < rows
// (<= kTileRows) and t below `keys` rounded up to kTileCols (keys are zero-padded to stride).
void score_products_avx2(int64_t rows, const int16_t* const* q, const int16_t* key_pairs,
                         int64_t stride, int64_t pairs, int64_t keys, float factor, float* s);

// c[r * columns + d] = factor * float(sum_{t < 2 * pairs} p[r * stride + t] * v[t][d]), for
// r < rows (<= kTileRows) and d < columns, a multiple of kTileCols.
void context_products_avx2(int64_t rows, const int16_t* p, int64_t stride,
                           const int16_t* value_pairs, int64_t columns, int64_t pairs, float factor,
                           float* c);

}  // namespace qtx::cpu
