// GPT-2's byte-to-unicode alphabet: every byte is written as a printable character so that
// byte-level BPE tokens are readable strings ("Ġ" is the byte 0x20).
#pragma once

#include <array>
#include <optional>

namespace qtx::text::byte_level {

// The character that stands for each byte.
const std::array<char32_t, 256>& byte_to_char();
// The byte a character stands for; nullopt for characters outside the alphabet.
std::optional<unsigned char> char_to_byte(char32_t c);

}  // namespace qtx::text::byte_level
