#include "engine/ops/int8_rows.h"

namespace qtx::ops {

kernels::Int8Weight int8_rows(const OpContext& ctx, const std::string& what, const char* shape,
                              const Tensor& t, const fb::QuantParamsT* params,
                              ErrorCode asymmetric) {
  if (t.rank() != 2 || t.dim(0) < 1 || t.dim(1) < 1) {
    fail(ctx, ErrorCode::kInvalidFile,
         what + " has shape " + shape_string(t.shape()) + ", expected " + shape);
  }
  const int64_t rows = t.dim(0);
  if (!params || params->scales.empty()) {
    fail(ctx, ErrorCode::kInvalidFile, what + " has no quantization scales");
  }
  const auto count = static_cast<int64_t>(params->scales.size());
  const bool per_row = params->axis == 0 && count == rows;
  if (!per_row && count != 1) {
    fail(ctx, ErrorCode::kInvalidFile,
         what + " has " + std::to_string(count) + " scales along axis " +
             std::to_string(params->axis) + ", expected 1 or " + std::to_string(rows) +
             " along axis 0");
  }
  for (int32_t z : params->zero_points) {
    if (z != 0) fail(ctx, asymmetric, what + " is not symmetric");
  }
  return {t.data<int8_t>(), rows, t.dim(1), params->scales.data(), per_row};
}

}  // namespace qtx::ops
