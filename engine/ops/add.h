// Add op: a + b of one shape (residual connections).
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

Tensor add(const OpContext& ctx, const Tensor& a, const Tensor& b);

}  // namespace qtx::ops
