#include "engine/ops/linear.h"

#include "engine/cpu/linear_reference.h"

namespace qtx::ops {

void check_linear_weights(const OpContext& ctx, const Tensor& weight, const Tensor* bias) {
  expect_float(ctx, "weight", weight, 2);
  if (bias) {
    expect_float(ctx, "bias", *bias, 1);
    expect_shape(ctx, "bias", *bias, {weight.dim(0)});
  }
}

Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const cpu::DnnlLinear* prepared) {
  check_linear_weights(ctx, weight, bias);
  expect_float(ctx, "input", x, kAnyRank);
  const int64_t n = weight.dim(0), k = weight.dim(1);
  if (x.dim(-1) != k) {
    fail(ctx, ErrorCode::kInvalidFile,
         "input of shape " + shape_string(x.shape()) + " does not match weight of shape " +
             shape_string(weight.shape()));
  }
  if (attrs.activation < fb::Activation::MIN || attrs.activation > fb::Activation::MAX) {
    fail(ctx, ErrorCode::kInvalidFile, "unknown activation kind");
  }
  Shape out_shape = x.shape();
  out_shape.back() = n;
  Tensor y(DType::F32, out_shape);
  const int64_t m = x.numel() / k;
  if (prepared && !ctx.reference) {
    prepared->run(x.data<float>(), m, y.data<float>());
  } else {
    cpu::linear_reference(x.data<float>(), weight.data<float>(),
                          bias ? bias->data<float>() : nullptr, m, n, k, attrs.activation,
                          y.data<float>());
  }
  return y;
}

}  // namespace qtx::ops
