#include "engine/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "qtx/error.h"

namespace qtx {
namespace {

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& path, int err) {
  throw Error(ErrorCode::kIo, "cannot " + what + " " + path.string() + ": " + std::strerror(err));
}

// The final file gets the existing target's permissions, or the usual 0644 for a new file
// (mkstemp creates 0600, which would hide a model file from other users).
mode_t target_mode(const std::filesystem::path& target) {
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) return st.st_mode & 07777;
  return 0644;
}

// Makes a completed rename durable: the directory entry itself must reach the disk.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // some filesystems refuse; the rename itself has already happened
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.filename().empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "output path '" + target_.string() + "' names no file");
  }
  std::string pattern = target_.string() + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) io_error("create a temporary file for", target_, errno);
  temp_ = name.data();
}

AtomicFileWriter::~AtomicFileWriter() {
  close_file();
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove(temp_, ignored);
  }
}

void AtomicFileWriter::close_file() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void AtomicFileWriter::write(const void* data, size_t size) {
  if (fd_ < 0) {
    throw Error(ErrorCode::kInternal, "write to " + target_.string() + " after commit");
  }
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("write", target_, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  bytes_written_ += size;
}

void AtomicFileWriter::write_zeros(size_t count) {
  static constexpr std::array<char, 4096> kZeros{};
  while (count > 0) {
    const size_t n = std::min(count, kZeros.size());
    write(kZeros.data(), n);
    count -= n;
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) {
    throw Error(ErrorCode::kInternal, "commit of " + target_.string() + " twice");
  }
  if (::fchmod(fd_, target_mode(target_)) != 0) io_error("set permissions of", temp_, errno);
  if (::fsync(fd_) != 0) io_error("flush", target_, errno);
  const int close_result = ::close(fd_);
  fd_ = -1;
  if (close_result != 0) io_error("close", target_, errno);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) io_error("replace", target_, errno);
  committed_ = true;
  sync_directory(target_.parent_path());
}

}  // namespace qtx
