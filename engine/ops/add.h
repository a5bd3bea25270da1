// Add op: a + b of one shape (residual connections).
#pragma once

#include "engine/kernels/quant_grid.h"
#include "engine/ops/op_context.h"

namespace qtx::ops {

// `output`: fake-quantize the sum on this grid in the same pass (the node's output quantizer).
Tensor add(const OpContext& ctx, const Tensor& a, const Tensor& b,
           const kernels::QuantGrid* output = nullptr);

}  // namespace qtx::ops
