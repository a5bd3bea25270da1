// LayerNorm op: x [..., H], gamma [H], beta [H] -> [..., H].
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

Tensor layer_norm(const OpContext& ctx, const fb::LayerNormAttrsT& attrs, const Tensor& x,
                  const Tensor& gamma, const Tensor& beta);

}  // namespace qtx::ops
