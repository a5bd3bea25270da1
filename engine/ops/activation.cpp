#include "engine/ops/activation.h"

#include <algorithm>

#include "engine/cpu/common/activation.h"

namespace qtx::ops {

Tensor activation(const OpContext& ctx, const fb::ActivationAttrsT& attrs, const Tensor& x) {
  expect_float(ctx, "input", x, kAnyRank);
  if (attrs.kind < fb::Activation::MIN || attrs.kind > fb::Activation::MAX) {
    fail(ctx, ErrorCode::kInvalidFile, "unknown activation kind");
  }
  Tensor y = Tensor::uninitialized(DType::F32, x.shape());
  std::copy_n(x.data<float>(), x.numel(), y.data<float>());
  cpu::apply_activation(attrs.kind, y.data<float>(), y.numel());
  return y;
}

}  // namespace qtx::ops
