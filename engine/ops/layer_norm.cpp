#include "engine/ops/layer_norm.h"

#include "engine/cpu/norm/layer_norm.h"

namespace qtx::ops {

Tensor layer_norm(const OpContext& ctx, const fb::LayerNormAttrsT& attrs, const Tensor& x,
                  const Tensor& gamma, const Tensor& beta, const kernels::QuantGrid* output) {
  expect_float(ctx, "input", x, kAnyRank);
  const int64_t h = x.dim(-1);
  expect_float(ctx, "gamma", gamma, 1);
  expect_shape(ctx, "gamma", gamma, {h});
  expect_float(ctx, "beta", beta, 1);
  expect_shape(ctx, "beta", beta, {h});
  if (!(attrs.epsilon >= 0.0f)) fail(ctx, ErrorCode::kInvalidFile, "negative epsilon");
  Tensor y = Tensor::uninitialized(DType::F32, x.shape());
  cpu::layer_norm(x.data<float>(), gamma.data<float>(), beta.data<float>(), x.numel() / h, h,
                  attrs.epsilon, ctx.threads, y.data<float>(), output);
  return y;
}

}  // namespace qtx::ops
