#include "tools/cli/npy_writer.h"

#include <bit>
#include <string>

#include "engine/util/atomic_file.h"
#include "qtx/error.h"

namespace qtx::cli {
namespace {

// The .npy header: magic, version 1.0, a little-endian u16 length, then a Python dict literal
// padded with spaces and a newline so the data starts at a multiple of 64 bytes.
std::string npy_header(const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  dict += shape.size() == 1 ? ",), }" : "), }";  // a 1-tuple needs its comma: "(5,)"
  constexpr size_t kPrefix = 10;                 // magic (6) + version (2) + header length (2)
  const size_t total = (kPrefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - kPrefix - dict.size() - 1, ' ');
  dict += '\n';
  const auto length = static_cast<uint16_t>(dict.size());
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(length & 0xff);
  header += static_cast<char>(length >> 8);
  return header + dict;
}

}  // namespace

void write_npy(const std::filesystem::path& path, std::span<const float> values,
               const std::vector<int64_t>& shape) {
  static_assert(std::endian::native == std::endian::little, ".npy data is written as '<f4'");
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (count != static_cast<int64_t>(values.size())) {
    throw Error(ErrorCode::kInternal, path.string() + ": .npy shape does not match its data");
  }
  AtomicFileWriter writer(path);
  writer.write(npy_header(shape));
  writer.write(values.data(), values.size_bytes());
  writer.commit();
}

}  // namespace qtx::cli
