#include "engine/text/lowercase_text.h"

#include "engine/text/unicode.h"

namespace qtx::text {
namespace {

constexpr char32_t kCapitalSigma = U'\u03A3';
constexpr char32_t kFinalSigma = U'\u03C2';

// Unicode's Final_Sigma condition (Rust's str::to_lowercase applies it), with letters standing
// in for cased characters: a capital sigma that ends a word (a letter before it, none after)
// lowercases to the final form.
bool ends_word(std::u32string_view text, size_t i) {
  const bool after_letter = i > 0 && unicode::is_letter(text[i - 1]);
  const bool before_letter = i + 1 < text.size() && unicode::is_letter(text[i + 1]);
  return after_letter && !before_letter;
}

}  // namespace

std::u32string lowercase_text(std::u32string_view text) {
  std::u32string lower;
  lower.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == kCapitalSigma && ends_word(text, i)) {
      lower.push_back(kFinalSigma);
    } else {
      unicode::append_lowercase(text[i], lower);
    }
  }
  return lower;
}

}  // namespace qtx::text
