#include "engine/util/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "qtx/error.h"

namespace qtx {
namespace {

[[noreturn]] void throw_io(const char* action, const std::filesystem::path& path, int err) {
  throw Error(ErrorCode::kIo,
              std::string("cannot ") + action + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor on every path out of open(); the mapping outlives it.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

MappedFile::MappedFile(std::filesystem::path path, const std::byte* data, size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_io("open", path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_io("stat", path, errno);
  // Mapping a directory or a device would fail later or never end: refuse them here.
  if (!S_ISREG(info.st_mode)) throw_io("map", path, S_ISDIR(info.st_mode) ? EISDIR : ENODEV);
  // Owned before the mapping exists, so the mapping is released on every later failure.
  std::unique_ptr<MappedFile> file(new MappedFile(path, nullptr, 0));
  const auto size = static_cast<size_t>(info.st_size);
  if (size > 0) {
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (address == MAP_FAILED) throw_io("map", path, errno);
    file->data_ = static_cast<const std::byte*>(address);
    file->size_ = size;
  }
  return file;
}

}  // namespace qtx
