// Activation op: an elementwise activation of any float tensor.
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

Tensor activation(const OpContext& ctx, const fb::ActivationAttrsT& attrs, const Tensor& x);

}  // namespace qtx::ops
