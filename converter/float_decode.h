// Stored tensor bytes (F32, F16, BF16, little-endian, possibly unaligned inside a file) to an
// owned float32 tensor: the converter works in float32 whatever the checkpoint's dtype.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "engine/graph/tensor.h"

namespace qtx::convert {

// `bytes` must hold exactly shape_numel(shape) elements of `dtype`; `context` names the file
// and tensor for the error raised otherwise or for a dtype that is not a float type.
Tensor decode_f32(DType dtype, const Shape& shape, std::span<const std::byte> bytes,
                  const std::string& context);

}  // namespace qtx::convert
