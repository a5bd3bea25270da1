// The CPU's quantization passes over the contract of engine/kernels/quant_grid.h: fake
// quantization of buffers and tensors and the per-token grids of dynamic quantization.
#pragma once

#include <cstdint>
#include <string>

#include "engine/graph/tensor.h"
#include "engine/kernels/quant_grid.h"
#include "qtx_generated.h"

namespace qtx::cpu {

// The contract's grid and code arithmetic, used unqualified by the CPU kernels.
using kernels::centred_code;
using kernels::CentredRange;
using kernels::fits_s8;
using kernels::fits_u8;
using kernels::grid_of;
using kernels::QuantGrid;
using kernels::quantize_code;
using kernels::round_half_even;

// x[i] <- (code(x[i]) - zero_point) * scale, for i < n.
void fake_quantize(const QuantGrid& g, float* x, int64_t n);

// Fake quantization of a whole activation tensor by its QuantParams (per tensor, or per index
// along q.axis). Errors (kInvalidFile) name `what` when the params do not fit the tensor.
void fake_quantize_tensor(const fb::QuantParamsT& q, const std::string& what, Tensor& t);

// Dynamic per-token quantization (LinearAttrs.dynamic_quant): the asymmetric u8 grid of one
// row of n values. lo = min(0, min x), hi = max(0, max x), scale = (hi - lo) / 255 (1 when
// the row is all zeros), zero_point = clamp(round_half_even(-lo / scale), 0, 255).
QuantGrid dynamic_row_grid(const float* x, int64_t n);

}  // namespace qtx::cpu
