// check_tensors: the tensor table. A constant's declared shape and dtype must account for
// exactly its bytes, and those bytes must lie inside the data section, so that a loaded
// constant can be a view into the file with no further checks.
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_set>

#include "engine/format/file_header.h"
#include "engine/format/model_checks.h"
#include "engine/format/quant_checks.h"
#include "engine/graph/dtype.h"
#include "engine/graph/tensor.h"
#include "qtx/error.h"

namespace qtx::format {
namespace {

void check_shape(const fb::TensorT& t, const std::string& where, const std::string& file_name) {
  if (t.shape.size() > static_cast<size_t>(kMaxRank)) {
    invalid(file_name, where + ": rank " + std::to_string(t.shape.size()) + " exceeds " +
                           std::to_string(kMaxRank));
  }
  for (int64_t d : t.shape) {
    if (d < 0) invalid(file_name, where + ": negative dimension in shape " + shape_string(t.shape));
  }
}

// The byte size the shape and dtype call for; refuses shapes whose size overflows 64 bits.
uint64_t expected_bytes(const fb::TensorT& t, const std::string& where,
                        const std::string& file_name) {
  uint64_t bytes = dtype_size(t.dtype);
  for (int64_t d : t.shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) {
      invalid(file_name, where + ": shape " + shape_string(t.shape) + " of " +
                             std::string(dtype_name(t.dtype)) + " overflows 64 bits");
    }
  }
  return bytes;
}

void check_constant_data(const fb::TensorT& t, uint64_t section_size, const std::string& where,
                         const std::string& file_name) {
  const uint64_t bytes = expected_bytes(t, where, file_name);
  const std::string region = "data [offset " + std::to_string(t.data_offset) + ", size " +
                             std::to_string(t.data_size) + "]";
  if (bytes != t.data_size) {
    invalid(file_name, where + ": " + region + " does not hold shape " + shape_string(t.shape) +
                           " of " + std::string(dtype_name(t.dtype)) + " (" +
                           std::to_string(bytes) + " bytes)");
  }
  if (t.data_offset % kDataAlignment != 0) {
    invalid(file_name, where + ": " + region + " is not 64-byte aligned");
  }
  if (t.data_offset > section_size || t.data_size > section_size - t.data_offset) {
    invalid(file_name, where + ": " + region + " runs past the end of the data section (size " +
                           std::to_string(section_size) + ")");
  }
}

void check_quant(const fb::QuantParamsT& q, const fb::TensorT& t, const std::string& where,
                 const std::string& file_name) {
  const size_t n = q.scales.size();
  if (q.axis == -1) {
    if (n != 1) invalid(file_name, where + ": per-tensor quantization needs exactly 1 scale");
  } else if (q.axis < 0 || q.axis >= kMaxRank ||
             (t.constant && static_cast<size_t>(q.axis) >= t.shape.size())) {
    invalid(file_name, where + ": quantization axis " + std::to_string(q.axis) +
                           " is outside the tensor's rank");
  } else if (n == 0 || (t.constant && n != 1 &&
                        static_cast<int64_t>(n) != t.shape[static_cast<size_t>(q.axis)])) {
    invalid(file_name, where + ": " + std::to_string(n) + " quantization scales along axis " +
                           std::to_string(q.axis) + " of shape " + shape_string(t.shape));
  }
  const std::string problem = quant_grid_problem(q);
  if (!problem.empty()) invalid(file_name, where + ": " + problem);
}

// I8 constants are weights [N, K] (qtx.fbs, LinearAttrs) or Embedding tables [rows, H] (the word
// table shared with an int8 LM head, position and token-type tables): symmetric, with 1 scale or
// one per output channel / row (axis 0).
void check_int8_weight(const fb::TensorT& t, const std::string& where,
                       const std::string& file_name) {
  if (!t.quant) invalid(file_name, where + ": int8 constant has no quantization scales");
  const fb::QuantParamsT& q = *t.quant;
  if (t.shape.size() != 2) {
    invalid(file_name,
            where + ": int8 weight has shape " + shape_string(t.shape) + ", expected [N, K]");
  }
  if (q.scales.size() != 1 &&
      (q.axis != 0 || static_cast<int64_t>(q.scales.size()) != t.shape[0])) {
    invalid(file_name, where + ": int8 weight has " + std::to_string(q.scales.size()) +
                           " scales, expected 1 or " + std::to_string(t.shape[0]) +
                           " along axis 0");
  }
  for (int32_t z : q.zero_points) {
    if (z != 0) invalid(file_name, where + ": int8 weight has a non-zero zero point");
  }
  if (q.qmin < -127 || q.qmax > 127) {
    invalid(file_name, where + ": int8 weight range exceeds the symmetric [-127, 127]");
  }
}

void check_tensor(const fb::TensorT& t, uint64_t section_size, const std::string& file_name) {
  const std::string where = "tensor '" + t.name + "'";
  if (static_cast<int>(t.dtype) < static_cast<int>(fb::DType::MIN) ||
      static_cast<int>(t.dtype) > static_cast<int>(fb::DType::MAX)) {
    throw Error(ErrorCode::kUnsupported, file_name + ": " + where + ": unknown dtype code " +
                                             std::to_string(static_cast<int>(t.dtype)));
  }
  check_shape(t, where, file_name);
  if (t.constant) {
    check_constant_data(t, section_size, where, file_name);
  } else if (t.data_offset != 0 || t.data_size != 0) {
    invalid(file_name, where + " is not a constant but has data");
  }
  if (t.quant) check_quant(*t.quant, t, where, file_name);
  if (t.constant && t.dtype == fb::DType::I8) check_int8_weight(t, where, file_name);
}

}  // namespace

void check_tensors(const fb::GraphT& graph, uint64_t data_section_size,
                   const std::string& file_name) {
  std::unordered_set<std::string_view> names;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (!graph.tensors[i]) invalid(file_name, "tensor #" + std::to_string(i) + " is missing");
    const fb::TensorT& t = *graph.tensors[i];
    if (t.name.empty()) invalid(file_name, "tensor #" + std::to_string(i) + " has no name");
    if (!names.insert(t.name).second) {
      invalid(file_name, "tensor '" + t.name + "' is defined twice");
    }
    check_tensor(t, data_section_size, file_name);
  }
}

}  // namespace qtx::format
