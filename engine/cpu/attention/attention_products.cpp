#include "engine/cpu/attention/attention_products.h"

#include "engine/cpu/common/vec8.h"

namespace qtx::cpu {
namespace {

constexpr int64_t kVecs = kTileCols / 8;

// Both products are one tile shape: out[r * out_stride + c0 + c] = scale * sum_{k0 <= k < k1}
// a[r][k] * b[k * b_stride + c0 + c] for r < Rows and c < kTileCols, each sum taken in order
// of k; the accumulators are vectors along the columns, the layout that keeps them in
// registers.
template <int64_t Rows>
[[gnu::always_inline]] inline void product_tile(const float* const* a, const float* b,
                                                int64_t b_stride, int64_t k0, int64_t k1,
                                                int64_t c0, float scale, float* out,
                                                int64_t out_stride) {
  Vec8 acc[Rows][kVecs] = {};
  for (int64_t k = k0; k < k1; ++k) {
    Vec8 x[kVecs];
    for (int64_t c = 0; c < kVecs; ++c) x[c] = vec_at(b + k * b_stride + c0 + 8 * c);
    for (int64_t r = 0; r < Rows; ++r) {
      const float ak = a[r][k];
      for (int64_t c = 0; c < kVecs; ++c) acc[r][c] += ak * x[c];
    }
  }
  for (int64_t r = 0; r < Rows; ++r) {
    for (int64_t c = 0; c < kVecs; ++c)
      vec_at(out + r * out_stride + c0 + 8 * c) = scale * acc[r][c];
  }
}

// Scores: a = the queries, b = the transposed keys; columns are keys.
template <int64_t Rows>
[[gnu::always_inline]] inline void score_rows(const float* const* q, const float* kt,
                                              int64_t stride, int64_t d0, int64_t d1, int64_t keys,
                                              float scale, float* s) {
  for (int64_t t0 = 0; t0 < keys; t0 += kTileCols) {
    product_tile<Rows>(q, kt, stride, d0, d1, t0, scale, s, stride);
  }
}

// Contexts: a = the probability rows, b = the values; columns are head dimensions.
template <int64_t Rows>
[[gnu::always_inline]] inline void context_rows(const float* p, int64_t stride, const float* v,
                                                int64_t dh, int64_t t0, int64_t t1, float scale,
                                                float* c) {
  const float* rows[Rows];
  for (int64_t r = 0; r < Rows; ++r) rows[r] = p + r * stride;
  int64_t d0 = 0;
  for (; d0 + kTileCols <= dh; d0 += kTileCols) {
    product_tile<Rows>(rows, v, dh, t0, t1, d0, scale, c, dh);
  }
  // The columns past the last whole tile, one sum at a time.
  for (int64_t r = 0; r < Rows; ++r) {
    for (int64_t d = d0; d < dh; ++d) {
      float acc = 0.0f;
      for (int64_t t = t0; t < t1; ++t) acc += p[r * stride + t] * v[t * dh + d];
      c[r * dh + d] = scale * acc;
    }
  }
}

}  // namespace

// Cloned for AVX2, where a Vec8 is one register and a tile's 8 accumulators, 2 key (or value)
// vectors and a broadcast fit the 16 registers.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void score_products(
    int64_t rows, const float* const* q, const float* kt, int64_t stride, int64_t d0, int64_t d1,
    int64_t keys, float scale, float* s) {
  switch (rows) {
    case 1:
      return score_rows<1>(q, kt, stride, d0, d1, keys, scale, s);
    case 2:
      return score_rows<2>(q, kt, stride, d0, d1, keys, scale, s);
    case 3:
      return score_rows<3>(q, kt, stride, d0, d1, keys, scale, s);
    default:
      return score_rows<kTileRows>(q, kt, stride, d0, d1, keys, scale, s);
  }
}

[[gnu::target_clones("arch=x86-64-v3", "default")]] void context_products(
    int64_t rows, const float* p, int64_t stride, const float* v, int64_t dh, int64_t t0,
    int64_t t1, float scale, float* c) {
  switch (rows) {
    case 1:
      return context_rows<1>(p, stride, v, dh, t0, t1, scale, c);
    case 2:
      return context_rows<2>(p, stride, v, dh, t0, t1, scale, c);
    case 3:
      return context_rows<3>(p, stride, v, dh, t0, t1, scale, c);
    default:
      return context_rows<kTileRows>(p, stride, v, dh, t0, t1, scale, c);
  }
}

}  // namespace qtx::cpu
