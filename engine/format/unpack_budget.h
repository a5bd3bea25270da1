// A bound on the memory that unpacking a verified FlatBuffer into the object API will take.
// The verifier proves every offset in range but allows many offsets to share one string or
// vector, so a small hostile file could unpack into terabytes; this walk refuses it first.
#pragma once

#include <cstdint>
#include <string>

#include "qtx_generated.h"

namespace qtx::format {

// Throws qtx::Error(kInvalidFile) naming `file_name` when unpacking `model` (a verified buffer
// of `flatbuffer_size` bytes) would take far more memory than the buffer's own size.
void check_unpack_budget(const fb::Model& model, uint64_t flatbuffer_size,
                         const std::string& file_name);

}  // namespace qtx::format
