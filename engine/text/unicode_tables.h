// The Unicode character data the tokenizers need, as compact sorted tables generated from
// Python's unicodedata by tools/gen_unicode_tables.py (engine/text/unicode_tables.cpp).
// engine/text/unicode.h answers questions about characters from them.
#pragma once

#include <cstdint>
#include <span>

namespace qtx::text::unicode_tables {

// Every code point in [first, last] has the property.
struct CodeRange {
  char32_t first;
  char32_t last;
};

// Every code point in [first, last] has canonical combining class `value`.
struct ClassRange {
  char32_t first;
  char32_t last;
  uint8_t value;
};

// Code points first, first + stride, .. last lowercase to themselves plus delta.
struct CaseRange {
  char32_t first;
  char32_t last;
  uint8_t stride;
  int32_t delta;
};

// `code` maps to mapping_pool()[offset, offset + length).
struct Mapping {
  char32_t code;
  uint16_t offset;
  uint8_t length;
};

const char* unicode_version();
// Sorted, non-overlapping ranges of the general categories L*, N*, P*, Mn, and of
// Cc/Cf/Co/Cs ("other" as BERT's text cleaning drops it), and of the White_Space property.
std::span<const CodeRange> letters();
std::span<const CodeRange> numbers();
std::span<const CodeRange> punctuation();
std::span<const CodeRange> nonspacing_marks();
std::span<const CodeRange> other();
std::span<const CodeRange> white_space();
// Non-zero canonical combining classes.
std::span<const ClassRange> combining_classes();
// Single-character lowercase mappings; lowercase_long() lists the longer ones.
std::span<const CaseRange> lowercase();
std::span<const Mapping> lowercase_long();
// Full canonical decompositions (NFD) of single characters, Hangul syllables excluded.
std::span<const Mapping> decompositions();
std::span<const char32_t> mapping_pool();

}  // namespace qtx::text::unicode_tables
