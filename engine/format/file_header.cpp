#include "engine/format/file_header.h"

#include <algorithm>

#include "qtx/error.h"

namespace qtx::format {
namespace {

template <typename T>
void put_le(std::byte* out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
  }
}

template <typename T>
T get_le(const std::byte* in) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | (static_cast<T>(std::to_integer<uint8_t>(in[i])) << (8 * i)));
  }
  return value;
}

[[noreturn]] void invalid(const std::string& file_name, const std::string& what) {
  throw Error(ErrorCode::kInvalidFile, file_name + ": " + what);
}

void check_magic(std::span<const std::byte> bytes, const std::string& file_name) {
  const bool magic_ok =
      bytes.size() >= kMagic.size() &&
      std::equal(kMagic.begin(), kMagic.end(), bytes.begin(),
                 [](char m, std::byte b) { return static_cast<std::byte>(m) == b; });
  if (!magic_ok) invalid(file_name, "not a .qtx file (it does not start with \"QTX\\0\")");
}

void check_version(uint32_t version, const std::string& file_name) {
  if (version == 0) invalid(file_name, "format version 0 is not a valid version");
  if (version > kFormatVersion) {
    throw Error(ErrorCode::kUnsupported, file_name + " was written by format version " +
                                             std::to_string(version) + "; this qtx reads up to " +
                                             std::to_string(kFormatVersion) + ": upgrade qtx");
  }
}

void check_regions(const FileHeader& h, uint64_t file_size, const std::string& file_name) {
  const uint64_t fb_end = uint64_t{h.flatbuffer_offset} + h.flatbuffer_size;
  const std::string fb_region = "FlatBuffer [offset " + std::to_string(h.flatbuffer_offset) +
                                ", size " + std::to_string(h.flatbuffer_size) + "]";
  if (h.flatbuffer_offset < kHeaderSize || h.flatbuffer_offset % kFlatBufferAlignment != 0) {
    invalid(file_name, fb_region + " must start after the header at an 8-byte boundary");
  }
  if (h.flatbuffer_size == 0) invalid(file_name, "the FlatBuffer is empty");
  if (fb_end > file_size) {
    invalid(file_name,
            fb_region + " runs past the end of the file (size " + std::to_string(file_size) + ")");
  }
  const std::string data_region = "data section [offset " + std::to_string(h.data_offset) +
                                  ", size " + std::to_string(h.data_size) + "]";
  if (h.data_offset % kDataAlignment != 0) {
    invalid(file_name, data_region + " is not 64-byte aligned");
  }
  if (h.data_offset < fb_end) invalid(file_name, data_region + " overlaps the FlatBuffer");
  if (h.data_offset > file_size || h.data_size != file_size - h.data_offset) {
    invalid(file_name, data_region + " does not end where the file ends (size " +
                           std::to_string(file_size) + "): truncated or corrupt");
  }
}

}  // namespace

std::array<std::byte, kHeaderSize> encode_header(const FileHeader& header) {
  std::array<std::byte, kHeaderSize> out{};
  std::transform(kMagic.begin(), kMagic.end(), out.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  put_le(out.data() + 4, header.format_version);
  put_le(out.data() + 8, header.flatbuffer_offset);
  put_le(out.data() + 12, header.flatbuffer_size);
  put_le(out.data() + 16, header.data_offset);
  put_le(out.data() + 24, header.data_size);
  return out;
}

FileHeader decode_header(std::span<const std::byte> bytes, uint64_t file_size,
                         const std::string& file_name) {
  check_magic(bytes, file_name);
  if (bytes.size() < kHeaderSize) {
    invalid(file_name, "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
                           std::to_string(kHeaderSize) + "-byte header");
  }
  FileHeader h;
  h.format_version = get_le<uint32_t>(bytes.data() + 4);
  check_version(h.format_version, file_name);
  h.flatbuffer_offset = get_le<uint32_t>(bytes.data() + 8);
  h.flatbuffer_size = get_le<uint32_t>(bytes.data() + 12);
  h.data_offset = get_le<uint64_t>(bytes.data() + 16);
  h.data_size = get_le<uint64_t>(bytes.data() + 24);
  check_regions(h, file_size, file_name);
  return h;
}

}  // namespace qtx::format
