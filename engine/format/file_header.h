// The fixed 32-byte header at the start of every .qtx file (DESIGN.md, "The .qtx file"), all
// fields little-endian:
//   0  char[4] magic "QTX\0"
//   4  u32     format_version
//   8  u32     flatbuffer_offset   the FlatBuffer (root qtx.fb.Model, identifier "QTXM")
//  12  u32     flatbuffer_size     (u32 suffices: FlatBuffers are limited to 2 GB)
//  16  u64     data_offset         the data section, 64-byte aligned (weights may exceed 2 GB)
//  24  u64     data_size
// Tensor data offsets in the FlatBuffer are relative to data_offset.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace qtx::format {

inline constexpr std::array<char, 4> kMagic = {'Q', 'T', 'X', '\0'};
// The version this code writes, and the newest it reads.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 32;
// Alignment of the data section and of every tensor in it (SIMD loads, oneDNN, mmap in place).
inline constexpr uint64_t kDataAlignment = 64;
// FlatBuffers address their contents with 8-byte alignment at most.
inline constexpr uint64_t kFlatBufferAlignment = 8;

struct FileHeader {
  uint32_t format_version = kFormatVersion;
  uint32_t flatbuffer_offset = 0;
  uint32_t flatbuffer_size = 0;
  uint64_t data_offset = 0;
  uint64_t data_size = 0;
};

std::array<std::byte, kHeaderSize> encode_header(const FileHeader& header);

// Decodes and checks the header of a file of `file_size` bytes whose first bytes are `bytes`:
// magic, version (newer is kUnsupported), both regions inside the file, in order, aligned, with
// nothing after the data section. Errors (qtx::Error) start with `file_name`.
FileHeader decode_header(std::span<const std::byte> bytes, uint64_t file_size,
                         const std::string& file_name);

// `value` rounded up to a multiple of `alignment` (a power of two); callers bound `value`.
constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

}  // namespace qtx::format
