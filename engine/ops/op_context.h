// What every op call knows besides its inputs: the node it runs (named in every error) and
// whether only the plain C++ reference kernels may be used (Backend::kReference), and how many
// threads the C++ kernels may use (<= 0: one per core).
#pragma once

#include <string>

#include "engine/graph/tensor.h"
#include "qtx/error.h"

namespace qtx::ops {

struct OpContext {
  const std::string& node;
  bool reference = false;
  int threads = 0;
};

// Errors name the node. kInvalidArgument is for the caller's inputs (ids, mask); a graph whose
// tensors do not fit together is kInvalidFile.
[[noreturn]] void fail(const OpContext& ctx, ErrorCode code, const std::string& what);

// A non-empty float32 tensor of rank `rank` (any rank >= 1 when kAnyRank) whose dimensions
// are all at least 1 (input `what` of the node), or kInvalidFile.
inline constexpr int kAnyRank = -1;
void expect_float(const OpContext& ctx, const char* what, const Tensor& t, int rank);
// t's shape is exactly `shape`, or kInvalidFile.
void expect_shape(const OpContext& ctx, const char* what, const Tensor& t, const Shape& shape);

}  // namespace qtx::ops
