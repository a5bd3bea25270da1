// Linear op: y = act(x W^T + b) for x [..., K], W [N, K], b [N] or absent -> [..., N].
// With a prepared oneDNN matmul (Backend::kCpu) it runs that; otherwise the reference kernel.
#pragma once

#include "engine/cpu/dnnl_linear.h"
#include "engine/ops/op_context.h"

namespace qtx::ops {

// Checks W and b against each other (at prepare time and on every call).
void check_linear_weights(const OpContext& ctx, const Tensor& weight, const Tensor* bias);

// prepared: the oneDNN matmul built from `weight`/`bias`, or nullptr for the reference path.
Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const cpu::DnnlLinear* prepared);

}  // namespace qtx::ops
