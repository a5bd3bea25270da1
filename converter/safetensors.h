// A .safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor
// names to dtype, shape and [begin, end) byte offsets into the data that follows. The file is
// mapped, every offset is checked against it at open, and tensors are decoded on demand.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "converter/checkpoint.h"
#include "converter/tensor_file.h"
#include "engine/util/json.h"
#include "engine/util/mapped_file.h"

namespace qtx::convert {

class SafetensorsFile : public TensorFile {
 public:
  // Throws qtx::Error(kInvalidFile) naming the file (and tensor) for any inconsistency.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);

  // Tensors of a float dtype (F32, F16, BF16), in header order. Tensors of other dtypes
  // (e.g. an I64 position_ids buffer) are not listed; loading one is a kUnsupported error.
  std::vector<TensorEntry> entries() const override { return entries_; }
  Tensor load_f32(const std::string& name) const override;
  bool holds_unsupported(const std::string& name) const override {
    return unsupported_.contains(name);
  }

 private:
  struct Location {
    size_t entry = 0;  // index into entries_
    size_t begin = 0;  // byte offsets in the file
    size_t end = 0;
  };

  SafetensorsFile() = default;
  void read_header();
  void add_tensor(const std::string& name, const Json& info, size_t data_start);

  std::shared_ptr<const MappedFile> file_;
  std::vector<TensorEntry> entries_;
  std::map<std::string, Location, std::less<>> locations_;
  std::map<std::string, std::string, std::less<>> unsupported_;  // name -> stored dtype
};

}  // namespace qtx::convert
