// Writes a float32 array as a NumPy .npy file (format version 1.0, little-endian '<f4', C
// order), atomically: a failure leaves any existing file untouched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace qtx::cli {

void write_npy(const std::filesystem::path& path, std::span<const float> values,
               const std::vector<int64_t>& shape);

}  // namespace qtx::cli
