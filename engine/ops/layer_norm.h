// LayerNorm op: x [..., H], gamma [H], beta [H] -> [..., H].
#pragma once

#include "engine/kernels/quant_grid.h"
#include "engine/ops/op_context.h"

namespace qtx::ops {

// `output`: fake-quantize each normalized row on this grid (the node's output quantizer).
Tensor layer_norm(const OpContext& ctx, const fb::LayerNormAttrsT& attrs, const Tensor& x,
                  const Tensor& gamma, const Tensor& beta,
                  const kernels::QuantGrid* output = nullptr);

}  // namespace qtx::ops
