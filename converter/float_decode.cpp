#include "converter/float_decode.h"

#include <cstdint>
#include <cstring>

#include "converter/byte_cursor.h"
#include "engine/util/half.h"
#include "qtx/error.h"

namespace qtx::convert {

Tensor decode_f32(DType dtype, const Shape& shape, std::span<const std::byte> bytes,
                  const std::string& context) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16) {
    throw Error(ErrorCode::kUnsupported,
                context + ": cannot read dtype " + std::string(dtype_name(dtype)) + " as float32");
  }
  const auto count = static_cast<size_t>(shape_numel(shape));
  if (bytes.size() != count * dtype_size(dtype)) {
    throw Error(ErrorCode::kInvalidFile, context + ": " + std::to_string(bytes.size()) +
                                             " bytes for " + std::to_string(count) + " elements");
  }
  Tensor out(DType::F32, shape);
  float* dst = out.data<float>();
  if (dtype == DType::F32) {
    if (count > 0) std::memcpy(dst, bytes.data(), bytes.size());
  } else if (dtype == DType::F16) {
    for (size_t i = 0; i < count; ++i) dst[i] = half_to_float(load_le<uint16_t>(&bytes[2 * i]));
  } else {
    for (size_t i = 0; i < count; ++i) dst[i] = bf16_to_float(load_le<uint16_t>(&bytes[2 * i]));
  }
  return out;
}

}  // namespace qtx::convert
