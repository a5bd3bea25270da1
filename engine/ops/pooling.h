// Pooling op: x [B, S, H], attention_mask [B, S] -> [B, H] (first token or masked mean).
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

Tensor pooling(const OpContext& ctx, const fb::PoolingAttrsT& attrs, const Tensor& x,
               const Tensor& mask);

}  // namespace qtx::ops
