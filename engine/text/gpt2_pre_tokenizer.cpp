#include "engine/text/gpt2_pre_tokenizer.h"

#include "engine/text/unicode.h"

namespace qtx::text {
namespace {

enum class CharClass { kLetter, kNumber, kSpace, kOther };

CharClass classify(char32_t c) {
  if (unicode::is_letter(c)) return CharClass::kLetter;
  if (unicode::is_number(c)) return CharClass::kNumber;
  if (unicode::is_white_space(c)) return CharClass::kSpace;
  return CharClass::kOther;
}

// Length of 's 't 're 've 'm 'll 'd at pos (case-sensitive, as GPT-2's pattern), or 0.
size_t contraction_length(std::u32string_view text, size_t pos) {
  if (text[pos] != U'\'' || pos + 1 >= text.size()) return 0;
  const char32_t next = text[pos + 1];
  if (next == U's' || next == U't' || next == U'm' || next == U'd') return 2;
  if (pos + 2 >= text.size()) return 0;
  const char32_t third = text[pos + 2];
  if ((next == U'r' || next == U'v') && third == U'e') return 3;
  if (next == U'l' && third == U'l') return 3;
  return 0;
}

// End of the run of characters of class `cls` starting at pos.
size_t run_end(std::u32string_view text, size_t pos, CharClass cls) {
  while (pos < text.size() && classify(text[pos]) == cls) ++pos;
  return pos;
}

// Length of the match at pos; every position matches at least one character.
size_t match_length(std::u32string_view text, size_t pos) {
  if (const size_t length = contraction_length(text, pos); length > 0) return length;
  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional literal space, then a run.
  const size_t body = text[pos] == U' ' && pos + 1 < text.size() ? pos + 1 : pos;
  const CharClass body_class = classify(text[body]);
  if (body_class != CharClass::kSpace) return run_end(text, body, body_class) - pos;
  // Whitespace: '\s+(?!\S)' gives back the last space of a run that a non-space follows,
  // so that space can lead the next word; a single space there is matched by '\s+'.
  const size_t end = run_end(text, pos, CharClass::kSpace);
  if (end == text.size() || end - pos == 1) return end - pos;
  return end - pos - 1;
}

}  // namespace

std::vector<std::u32string_view> split_gpt2(std::u32string_view text) {
  std::vector<std::u32string_view> pieces;
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = match_length(text, pos);
    pieces.push_back(text.substr(pos, length));
    pos += length;
  }
  return pieces;
}

}  // namespace qtx::text
