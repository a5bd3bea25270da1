#include "engine/ops/add.h"

#include "engine/cpu/norm/add.h"

namespace qtx::ops {

Tensor add(const OpContext& ctx, const Tensor& a, const Tensor& b,
           const kernels::QuantGrid* output) {
  expect_float(ctx, "a", a, kAnyRank);
  expect_float(ctx, "b", b, a.rank());
  expect_shape(ctx, "b", b, a.shape());
  Tensor y = Tensor::uninitialized(DType::F32, a.shape());
  cpu::add(a.data<float>(), b.data<float>(), a.numel(), ctx.threads, y.data<float>(), output);
  return y;
}

}  // namespace qtx::ops
