#include "engine/cpu/attention/attention_products_avx2.h"

#include <immintrin.h>

#include <cstring>

#include "engine/cpu/attention/attention_products.h"

namespace qtx::cpu {
namespace {

// Two int16 codes (one pair) in every int32 lane.
__attribute__((target("avx2"))) inline __m256i broadcast_pair(const int16_t* p) {
  int32_t pair;
  std::memcpy(&pair, p, sizeof pair);
  return _mm256_set1_epi32(pair);
}

__attribute__((target("avx2"))) inline __m256i load(const int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// out[0, 8) = factor * float(acc): cvtepi32_ps rounds as static_cast<float> does.
__attribute__((target("avx2"))) inline void store_scaled(__m256i acc, __m256 factor, float* out) {
  _mm256_storeu_ps(out, _mm256_mul_ps(factor, _mm256_cvtepi32_ps(acc)));
}

// Both products are one tile shape: out[r * out_stride + c0 + c] = factor * float(sum_j
// a[r][pair j] . b[pair j][c0 + c]) for r < Rows and c < kTileCols, with a's rows of code pairs
// broadcast and b's pairs [pairs][b_stride][2]. Rows x kTileCols (two vectors of 8 int32): 8
// accumulators, 2 operand vectors and a broadcast in the 16 registers.
template <int64_t Rows>
__attribute__((target("avx2"))) void pair_tile(const int16_t* const* a, const int16_t* b,
                                               int64_t b_stride, int64_t pairs, int64_t c0,
                                               float factor, float* out, int64_t out_stride) {
  __m256i acc[Rows][2];
  for (int64_t r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t j = 0; j < pairs; ++j) {
    const int16_t* bj = b + (j * b_stride + c0) * 2;
    const __m256i b0 = load(bj), b1 = load(bj + 16);
    for (int64_t r = 0; r < Rows; ++r) {
      const __m256i aj = broadcast_pair(a[r] + 2 * j);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(aj, b0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(aj, b1));
    }
  }
  const __m256 f = _mm256_set1_ps(factor);
  for (int64_t r = 0; r < Rows; ++r) {
    store_scaled(acc[r][0], f, out + r * out_stride + c0);
    store_scaled(acc[r][1], f, out + r * out_stride + c0 + 8);
  }
}

// Scores: a = the queries, b = the key pairs; columns are keys.
template <int64_t Rows>
__attribute__((target("avx2"))) void score_rows(const int16_t* const* q, const int16_t* key_pairs,
                                                int64_t stride, int64_t pairs, int64_t keys,
                                                float factor, float* s) {
  for (int64_t t0 = 0; t0 < keys; t0 += kTileCols) {
    pair_tile<Rows>(q, key_pairs, stride, pairs, t0, factor, s, stride);
  }
}

// Contexts: a = the probability rows, b = the value pairs; columns are head dimensions.
template <int64_t Rows>
__attribute__((target("avx2"))) void context_rows(const int16_t* p, int64_t stride,
                                                  const int16_t* value_pairs, int64_t columns,
                                                  int64_t pairs, float factor, float* c) {
  const int16_t* rows[Rows];
  for (int64_t r = 0; r < Rows; ++r) rows[r] = p + r * stride;
  for (int64_t d0 = 0; d0 < columns; d0 += kTileCols) {
    pair_tile<Rows>(rows, value_pairs, columns, pairs, d0, factor, c, columns);
  }
}

}  // namespace

bool avx2_products_supported() {
  return __builtin_cpu_supports("avx2");
}

void score_products_avx2(int64_t rows, const int16_t* const* q, const int16_t* key_pairs,
                         int64_t stride, int64_t pairs, int64_t keys, float factor, float* s) {
  switch (rows) {
    case 1:
      return score_rows<1>(q, key_pairs, stride, pairs, keys, factor, s);
    case 2:
      return score_rows<2>(q, key_pairs, stride, pairs, keys, factor, s);
    case 3:
      return score_rows<3>(q, key_pairs, stride, pairs, keys, factor, s);
    default:
      return score_rows<kTileRows>(q, key_pairs, stride, pairs, keys, factor, s);
  }
}

void context_products_avx2(int64_t rows, const int16_t* p, int64_t stride,
                           const int16_t* value_pairs, int64_t columns, int64_t pairs, float factor,
                           float* c) {
  switch (rows) {
    case 1:
      return context_rows<1>(p, stride, value_pairs, columns, pairs, factor, c);
    case 2:
      return context_rows<2>(p, stride, value_pairs, columns, pairs, factor, c);
    case 3:
      return context_rows<3>(p, stride, value_pairs, columns, pairs, factor, c);
    default:
      return context_rows<kTileRows>(p, stride, value_pairs, columns, pairs, factor, c);
  }
}

}  // namespace qtx::cpu
