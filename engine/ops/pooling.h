// Pooling op: x [B, S, H], attention_mask [B, S] -> [B, H] over the real tokens (first, last,
// mean, max, mean / sqrt(n), position-weighted mean: engine/cpu/common/pooling.h).
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

Tensor pooling(const OpContext& ctx, const fb::PoolingAttrsT& attrs, const Tensor& x,
               const Tensor& mask);

}  // namespace qtx::ops
