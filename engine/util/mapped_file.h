// A file mapped read-only into memory. Model weights are used in place from the mapping (a
// Tensor view keeps the shared_ptr alive), so loading a model copies nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

namespace qtx {

class MappedFile {
 public:
  // Maps the whole file read-only. An empty file is allowed (size 0, data nullptr).
  // Throws qtx::Error(kIo) naming the path and the system's reason.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile(std::filesystem::path path, const std::byte* data, size_t size);

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace qtx
