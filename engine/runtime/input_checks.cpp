#include "engine/runtime/input_checks.h"

#include <string>

#include "qtx/error.h"

namespace qtx::runtime {
namespace {

[[noreturn]] void reject(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

void check_ids(const Tensor& ids, int64_t vocab) {
  if (ids.dtype() != DType::I32 || ids.rank() != 2) {
    reject("input_ids must be int32 [batch, tokens], got " + std::string(dtype_name(ids.dtype())) +
           " " + shape_string(ids.shape()));
  }
  if (ids.dim(0) < 1 || ids.dim(1) < 1) {
    reject("input_ids of shape " + shape_string(ids.shape()) + " is empty");
  }
  const int64_t tokens = ids.dim(1);
  const int32_t* data = ids.data<int32_t>();
  for (int64_t i = 0; i < ids.numel(); ++i) {
    if (data[i] < 0 || data[i] >= vocab) {
      reject("token id " + std::to_string(data[i]) + " at [" + std::to_string(i / tokens) + ", " +
             std::to_string(i % tokens) + "] is outside the vocabulary of " +
             std::to_string(vocab) + " tokens");
    }
  }
}

void check_mask(const Tensor& mask, int64_t batch, int64_t total, int64_t past) {
  if (mask.dtype() != DType::I32 || mask.shape() != Shape{batch, total}) {
    reject("attention_mask is " + std::string(dtype_name(mask.dtype())) + " " +
           shape_string(mask.shape()) + ", expected int32 " + shape_string({batch, total}) + " (" +
           std::to_string(past) + " cached + " + std::to_string(total - past) + " new tokens)");
  }
  const int32_t* data = mask.data<int32_t>();
  for (int64_t i = 0; i < mask.numel(); ++i) {
    if (data[i] != 0 && data[i] != 1) {
      reject("attention_mask holds " + std::to_string(data[i]) + "; only 0 and 1 are allowed");
    }
  }
}

}  // namespace

void check_run_inputs(const RunInputs& inputs, int64_t past, int64_t vocab, int64_t max_positions) {
  check_ids(inputs.input_ids, vocab);
  const int64_t batch = inputs.input_ids.dim(0);
  const int64_t total = past + inputs.input_ids.dim(1);
  if (max_positions > 0 && total > max_positions) {
    reject("input of " + std::to_string(total) + " tokens exceeds the model's maximum of " +
           std::to_string(max_positions));
  }
  check_mask(inputs.attention_mask, batch, total, past);
}

}  // namespace qtx::runtime
