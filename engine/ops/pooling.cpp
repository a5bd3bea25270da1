#include "engine/ops/pooling.h"

#include "engine/cpu/common/pooling.h"

namespace qtx::ops {

Tensor pooling(const OpContext& ctx, const fb::PoolingAttrsT& attrs, const Tensor& x,
               const Tensor& mask) {
  expect_float(ctx, "input", x, 3);
  const int64_t b = x.dim(0), s = x.dim(1), h = x.dim(2);
  if (mask.dtype() != DType::I32 || mask.shape() != Shape{b, s}) {
    fail(ctx, ErrorCode::kInvalidArgument,
         "attention_mask has shape " + shape_string(mask.shape()) + ", expected int32 " +
             shape_string({b, s}));
  }
  if (attrs.mode < fb::PoolingMode::MIN || attrs.mode > fb::PoolingMode::MAX) {
    fail(ctx, ErrorCode::kInvalidFile, "unknown pooling mode");
  }
  Tensor y(DType::F32, {b, h});
  cpu::pool(attrs.mode, x.data<float>(), mask.data<int32_t>(), b, s, h, y.data<float>());
  return y;
}

}  // namespace qtx::ops
