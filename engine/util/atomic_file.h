// Writes a file so that readers only ever see the old contents or the complete new ones: the
// bytes go to a temporary file in the target's directory, which commit() flushes to disk and
// renames over the target. If commit() is never reached (an error, an exception), the
// destructor removes the temporary file and the user's existing file is left untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace qtx {

class AtomicFileWriter {
 public:
  // Creates the temporary file; throws qtx::Error(kIo) naming `target` when it cannot.
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Appends `count` zero bytes (alignment padding).
  void write_zeros(size_t count);
  uint64_t bytes_written() const { return bytes_written_; }

  // Flushes the data to disk and renames the temporary file over the target. After it, the
  // writer accepts no more writes.
  void commit();

  const std::filesystem::path& target() const { return target_; }

 private:
  void close_file();

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
};

}  // namespace qtx
