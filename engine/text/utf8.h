// UTF-8 <-> code points for the tokenizers. Input text must be valid UTF-8 (a clear error
// otherwise); decoded token bytes may not be, and are repaired as Rust's
// String::from_utf8_lossy does (what Hugging Face's byte-level decoder uses).
#pragma once

#include <string>
#include <string_view>

namespace qtx::text::utf8 {

// Throws qtx::Error(kInvalidArgument) naming the byte offset of the first invalid sequence
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::u32string decode(std::string_view text);
void append(char32_t c, std::string& out);
std::string encode(std::u32string_view text);
// Every maximal invalid subsequence becomes one U+FFFD (Unicode's "substitution of maximal
// subparts", as from_utf8_lossy).
std::string repair_lossy(std::string_view bytes);

}  // namespace qtx::text::utf8
