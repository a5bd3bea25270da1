// Questions the tokenizers ask about Unicode characters, answered from the generated tables
// (engine/text/unicode_tables.h) by binary search.
#pragma once

#include <string>

namespace qtx::text::unicode {

bool is_letter(char32_t c);             // general category L*
bool is_number(char32_t c);             // N*
bool is_punctuation(char32_t c);        // P*
bool is_nonspacing_mark(char32_t c);    // Mn
bool is_control_or_format(char32_t c);  // Cc, Cf, Co, Cs
bool is_white_space(char32_t c);        // the White_Space property
int combining_class(char32_t c);        // canonical combining class, 0 for starters

// Appends the full lowercase mapping of c (one character but for U+0130).
void append_lowercase(char32_t c, std::u32string& out);
// Appends the full canonical decomposition of c (c itself when it has none).
void append_decomposition(char32_t c, std::u32string& out);
// Canonical ordering: stably sorts every run of non-starters by combining class, which
// completes NFD after append_decomposition of each character.
void order_canonically(std::u32string& text);

}  // namespace qtx::text::unicode
