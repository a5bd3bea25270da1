#include "engine/text/bert_normalizer.h"

#include "engine/text/unicode.h"

namespace qtx::text {
namespace {

bool is_tab_or_newline(char32_t c) {
  return c == U'\t' || c == U'\n' || c == U'\r';
}

// Tab and newlines are control characters that BERT keeps, as whitespace.
bool is_dropped(char32_t c) {
  return c == 0 || c == 0xFFFD || (!is_tab_or_newline(c) && unicode::is_control_or_format(c));
}

// The CJK Unified Ideographs blocks, as BERT defines "Chinese characters" (not all of CJK:
// Hiragana, Katakana and Hangul are written without spaces but are not padded).
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string clean_and_pad(std::u32string_view text, bool pad_cjk) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (is_dropped(c)) continue;
    if (unicode::is_white_space(c)) {
      out.push_back(U' ');
    } else if (pad_cjk && is_cjk_ideograph(c)) {
      out.append({U' ', c, U' '});
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string strip_accents(const std::u32string& text) {
  std::u32string decomposed;
  decomposed.reserve(text.size());
  for (char32_t c : text) unicode::append_decomposition(c, decomposed);
  unicode::order_canonically(decomposed);
  std::u32string out;
  out.reserve(decomposed.size());
  for (char32_t c : decomposed) {
    if (!unicode::is_nonspacing_mark(c)) out.push_back(c);
  }
  return out;
}

std::u32string lowercase(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) unicode::append_lowercase(c, out);
  return out;
}

}  // namespace

std::u32string normalize_bert(std::u32string_view text, const WordPieceOptions& options) {
  std::u32string out = clean_and_pad(text, options.tokenize_chinese_chars);
  if (options.strip_accents) out = strip_accents(out);
  if (options.lowercase) out = lowercase(out);
  return out;
}

}  // namespace qtx::text
