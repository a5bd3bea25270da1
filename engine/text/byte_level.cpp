#include "engine/text/byte_level.h"

namespace qtx::text::byte_level {
namespace {

// Printable Latin-1 bytes stand for themselves; the others (controls, space, NBSP, soft
// hyphen) take the characters from U+0100 upwards, in byte order (GPT-2's bytes_to_unicode).
constexpr bool stands_for_itself(unsigned b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

constexpr unsigned count_remapped() {
  unsigned count = 0;
  for (unsigned b = 0; b < 256; ++b) count += stands_for_itself(b) ? 0 : 1;
  return count;
}

constexpr char32_t kFirstRemapped = 0x100;
constexpr unsigned kRemappedCount = count_remapped();

constexpr std::array<char32_t, 256> build_byte_to_char() {
  std::array<char32_t, 256> table{};
  char32_t next = kFirstRemapped;
  for (unsigned b = 0; b < 256; ++b) table[b] = stands_for_itself(b) ? b : next++;
  return table;
}

// remapped[c - U+0100] is the byte that character c stands for.
constexpr std::array<unsigned char, kRemappedCount> build_remapped_bytes() {
  std::array<unsigned char, kRemappedCount> bytes{};
  unsigned next = 0;
  for (unsigned b = 0; b < 256; ++b) {
    if (!stands_for_itself(b)) bytes[next++] = static_cast<unsigned char>(b);
  }
  return bytes;
}

constexpr std::array<char32_t, 256> kByteToChar = build_byte_to_char();
constexpr std::array<unsigned char, kRemappedCount> kRemappedBytes = build_remapped_bytes();

}  // namespace

const std::array<char32_t, 256>& byte_to_char() {
  return kByteToChar;
}

std::optional<unsigned char> char_to_byte(char32_t c) {
  if (c < 256) {
    if (stands_for_itself(c)) return static_cast<unsigned char>(c);
    return std::nullopt;
  }
  if (c - kFirstRemapped < kRemappedCount) return kRemappedBytes[c - kFirstRemapped];
  return std::nullopt;
}

}  // namespace qtx::text::byte_level
