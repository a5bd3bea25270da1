// The one error type of qtx. Every failure a user can cause (a bad file, a bad option, an
// unknown architecture, an out-of-range token) is reported as a qtx::Error whose message
// names its context: the file, the tensor, the op. The library never aborts or exits.
#pragma once

#include <stdexcept>
#include <string>

namespace qtx {

enum class ErrorCode {
  kInvalidArgument,  // a bad option or input from the caller (token ids, lengths, flags)
  kInvalidFile,      // a corrupt, truncated or hostile .qtx or checkpoint file
  kUnsupported,      // a valid input that qtx does not handle (architecture, dtype, newer format)
  kIo,               // the operating system refused (open, read, write, mmap)
  kInternal,         // a broken invariant inside qtx: a bug to report
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace qtx
