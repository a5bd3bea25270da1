// Bounds-checked little-endian reading of untrusted bytes (zip records, pickle opcodes,
// safetensors headers): every read checks the remaining length first, so a truncated or
// hostile file gives a qtx::Error naming its context instead of reading past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "qtx/error.h"

namespace qtx::convert {

// The host is little-endian (x86-64, aarch64), like every format read here.
template <typename T>
T load_le(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

class ByteCursor {
 public:
  ByteCursor(std::span<const std::byte> bytes, std::string context)
      : bytes_(bytes), context_(std::move(context)) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  const std::string& context() const { return context_; }

  std::span<const std::byte> take(size_t n, std::string_view what) {
    if (n > remaining()) {
      throw Error(ErrorCode::kInvalidFile, context_ + ": truncated " + std::string(what) +
                                               " at byte " + std::to_string(pos_) + " (needs " +
                                               std::to_string(n) + " bytes, " +
                                               std::to_string(remaining()) + " left)");
    }
    const auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  template <typename T>
  T read(std::string_view what) {
    return load_le<T>(take(sizeof(T), what).data());
  }

  std::string_view read_text(size_t n, std::string_view what) {
    const auto bytes = take(n, what);
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  // A line ending in '\n' (the newline is consumed, not returned).
  std::string_view read_line(std::string_view what) {
    const auto* begin = reinterpret_cast<const char*>(bytes_.data()) + pos_;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', remaining()));
    if (newline == nullptr) {
      throw Error(ErrorCode::kInvalidFile, context_ + ": unterminated " + std::string(what) +
                                               " at byte " + std::to_string(pos_));
    }
    const auto length = static_cast<size_t>(newline - begin);
    pos_ += length + 1;
    return {begin, length};
  }

 private:
  std::span<const std::byte> bytes_;
  std::string context_;
  size_t pos_ = 0;
};

}  // namespace qtx::convert
