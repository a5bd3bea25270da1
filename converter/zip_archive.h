// A read-only view of a ZIP archive (the container torch.save writes) over a mapped file.
// Only stored (uncompressed) entries are accepted, as torch writes them, so every entry is a
// span of the mapping and tensors are read in place. ZIP64 archives (over 4 GiB) are read too.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/mapped_file.h"

namespace qtx::convert {

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    size_t data_offset = 0;  // of the entry's bytes in the file
    size_t size = 0;
  };

  // Reads the central directory and checks every entry's local header and byte range. Throws
  // qtx::Error(kInvalidFile) naming the file (and entry) for a corrupt archive, and
  // kUnsupported for a compressed or encrypted entry.
  explicit ZipArchive(std::shared_ptr<const MappedFile> file);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;  // nullptr when absent
  std::span<const std::byte> bytes(const Entry& entry) const {
    return {file_->data() + entry.data_offset, entry.size};
  }
  const std::shared_ptr<const MappedFile>& file() const { return file_; }

 private:
  struct Directory {
    uint64_t entry_count = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
  };

  Directory find_directory() const;
  Directory read_zip64_directory(size_t end_record) const;
  void read_entries(const Directory& directory);
  size_t locate_data(const std::string& name, uint64_t header_offset, uint64_t size) const;
  std::string context() const { return file_->path().string(); }

  std::shared_ptr<const MappedFile> file_;
  std::vector<Entry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace qtx::convert
