#include "engine/ops/op_context.h"

namespace qtx::ops {

void fail(const OpContext& ctx, ErrorCode code, const std::string& what) {
  throw Error(code, "node '" + ctx.node + "': " + what);
}

void expect_float(const OpContext& ctx, const char* what, const Tensor& t, int rank) {
  if (t.empty()) fail(ctx, ErrorCode::kInvalidFile, std::string(what) + " is missing");
  if (t.dtype() != DType::F32) {
    fail(ctx, ErrorCode::kInvalidFile,
         std::string(what) + " is " + std::string(dtype_name(t.dtype())) + ", expected float32");
  }
  if (rank == kAnyRank ? t.rank() < 1 : t.rank() != rank) {
    fail(ctx, ErrorCode::kInvalidFile,
         std::string(what) + " has shape " + shape_string(t.shape()) + ", expected rank " +
             std::to_string(rank));
  }
  for (int64_t d : t.shape()) {
    if (d < 1) fail(ctx, ErrorCode::kInvalidFile, std::string(what) + " has an empty dimension");
  }
}

void expect_shape(const OpContext& ctx, const char* what, const Tensor& t, const Shape& shape) {
  if (t.shape() != shape) {
    fail(ctx, ErrorCode::kInvalidFile,
         std::string(what) + " has shape " + shape_string(t.shape()) + ", expected " +
             shape_string(shape));
  }
}

}  // namespace qtx::ops
