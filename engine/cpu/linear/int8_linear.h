// The integer Linear of the INT8 contract (qtx.fbs, LinearAttrs), in three steps that both
// backends share except for the middle one: quantize the input to codes (static: back from the
// grid its producer put it on; dynamic: per-token grids), accumulate
// acc[m, n] = sum_k (xq[m, k] - zx[m]) * wq[n, k] in int32 (here the plain reference loops;
// int8_gemm.h the fast kernels, which must equal them bit for bit), then one epilogue pass:
// y = acc * (sx[m] * sw[n]) + b[n], activation, fake quantization of y.
//
// The accumulators live in y's own storage: a kernel writes the int32 sums [m, n] into the
// bytes of the float output [m, n] (same size), and the epilogue turns each row into floats in
// place, so no [m, n] buffer is allocated, filled or read besides y (for BERT's MLM head that
// buffer was 128 x 30522 x 4 bytes per call).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/cpu/common/quantize.h"
#include "engine/kernels/int8_operands.h"
#include "qtx_generated.h"

namespace qtx::cpu {

class OutlierRows;  // outlier_columns.h

// The contract's operands, used unqualified by the CPU kernels.
using kernels::ActivationCodes;
using kernels::Int8Weight;

// x [m, k] on grid g (which fits s8 or u8) -> codes.
ActivationCodes quantize_static(const float* x, int64_t m, int64_t k, const QuantGrid& g,
                                int threads);
// x [m, k] -> u8 codes on each row's dynamic_row_grid; with outliers, of each row with its
// float columns at 0 (outlier_columns.h).
ActivationCodes quantize_dynamic(const float* x, int64_t m, int64_t k, int threads,
                                 const OutlierRows* outliers = nullptr);

// sum_k wq[c, k] of every output channel c: what a zero point multiplies.
std::vector<int32_t> weight_row_sums(const Int8Weight& w);

// The int32 accumulators [m, n] held in the storage of the float output y [m, n] (see above).
inline int32_t* accumulators_in(float* y) {
  return reinterpret_cast<int32_t*>(y);
}

// The definition of the accumulators: acc [m, n] = sum_k (xq - zx) * wq, int32.
void int8_accumulate_reference(const ActivationCodes& x, const Int8Weight& w, int32_t* acc);

// What follows the integer GEMM.
struct Int8Epilogue {
  const float* bias = nullptr;  // [n] or nullptr
  fb::Activation activation = fb::Activation::None;
  const QuantGrid* output = nullptr;      // y's fake quantization, or nullptr
  const OutlierRows* outliers = nullptr;  // float columns' products (outlier_columns.h)
};

// y [m, n] in place, in one pass over it: on entry y holds the raw int32 sums
// (accumulators_in(y)); on return y = float(acc) * (sx[m] * sw[n]) + b[n], then the activation,
// plus the outlier columns' float products, then the activation, then the output's fake
// quantization. Rows split over `threads` (results do not depend on it).
// rowsum [n] (sum_k wq[n, k]): the kernels sum the codes as they are, not minus the zero point,
// so acc[m, n] = raw[m, n] - zx[m] * rowsum[n], exactly, in int32; nullptr: the raw sums are
// already the accumulators (the reference's).
void int8_epilogue(const ActivationCodes& x, const Int8Weight& w, const int32_t* rowsum,
                   const Int8Epilogue& e, int threads, float* y);

// y [m, n] <- its fake quantization on g, rows split over `threads`.
void fake_quantize_rows(const QuantGrid& g, int64_t m, int64_t n, int threads, float* y);

// Weight-only Linear: the float weight wq * sw [n, k] the GEMM runs over.
std::vector<float> dequantize_weight(const Int8Weight& w);

}  // namespace qtx::cpu
