#include "engine/text/unicode.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>

#include "engine/text/unicode_tables.h"

namespace qtx::text::unicode {
namespace {

namespace tables = qtx::text::unicode_tables;

// The first element whose last code point is >= c; ranges are sorted and disjoint.
template <typename Range>
const Range* find_range(std::span<const Range> ranges, char32_t c) {
  auto it = std::lower_bound(ranges.begin(), ranges.end(), c,
                             [](const Range& r, char32_t value) { return r.last < value; });
  if (it == ranges.end() || it->first > c) return nullptr;
  return &*it;
}

bool in_ranges(std::span<const tables::CodeRange> ranges, char32_t c) {
  return find_range(ranges, c) != nullptr;
}

const tables::Mapping* find_mapping(std::span<const tables::Mapping> mappings, char32_t c) {
  auto it =
      std::lower_bound(mappings.begin(), mappings.end(), c,
                       [](const tables::Mapping& m, char32_t value) { return m.code < value; });
  if (it == mappings.end() || it->code != c) return nullptr;
  return &*it;
}

void append_mapping(const tables::Mapping& mapping, std::u32string& out) {
  const auto pool = tables::mapping_pool();
  out.append(pool.begin() + mapping.offset, pool.begin() + mapping.offset + mapping.length);
}

// Hangul syllables decompose algorithmically (Unicode 3.12), not through the tables.
constexpr char32_t kHangulFirst = 0xAC00;
constexpr char32_t kLeadFirst = 0x1100;
constexpr char32_t kVowelFirst = 0x1161;
constexpr char32_t kTrailFirst = 0x11A7;
constexpr char32_t kVowelCount = 21;
constexpr char32_t kTrailCount = 28;
constexpr char32_t kHangulCount = 19 * kVowelCount * kTrailCount;

bool append_hangul_decomposition(char32_t c, std::u32string& out) {
  if (c < kHangulFirst || c >= kHangulFirst + kHangulCount) return false;
  const char32_t index = c - kHangulFirst;
  out.push_back(kLeadFirst + index / (kVowelCount * kTrailCount));
  out.push_back(kVowelFirst + (index % (kVowelCount * kTrailCount)) / kTrailCount);
  if (index % kTrailCount != 0) out.push_back(kTrailFirst + index % kTrailCount);
  return true;
}

}  // namespace

bool is_letter(char32_t c) {
  return in_ranges(tables::letters(), c);
}
bool is_number(char32_t c) {
  return in_ranges(tables::numbers(), c);
}
bool is_punctuation(char32_t c) {
  return in_ranges(tables::punctuation(), c);
}
bool is_nonspacing_mark(char32_t c) {
  return in_ranges(tables::nonspacing_marks(), c);
}
bool is_control_or_format(char32_t c) {
  return in_ranges(tables::other(), c);
}
bool is_white_space(char32_t c) {
  return in_ranges(tables::white_space(), c);
}

int combining_class(char32_t c) {
  const auto* range = find_range(tables::combining_classes(), c);
  return range == nullptr ? 0 : range->value;
}

void append_lowercase(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c);
  } else if (const auto* run = find_range(tables::lowercase(), c);
             run != nullptr && (c - run->first) % run->stride == 0) {
    out.push_back(static_cast<char32_t>(static_cast<int64_t>(c) + run->delta));
  } else if (const auto* mapping = find_mapping(tables::lowercase_long(), c)) {
    append_mapping(*mapping, out);
  } else {
    out.push_back(c);
  }
}

void append_decomposition(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c);
    return;
  }
  if (append_hangul_decomposition(c, out)) return;
  if (const auto* mapping = find_mapping(tables::decompositions(), c)) {
    append_mapping(*mapping, out);
  } else {
    out.push_back(c);
  }
}

void order_canonically(std::u32string& text) {
  auto run_start = text.begin();
  while (run_start != text.end()) {
    run_start =
        std::find_if(run_start, text.end(), [](char32_t c) { return combining_class(c) != 0; });
    auto run_end =
        std::find_if(run_start, text.end(), [](char32_t c) { return combining_class(c) == 0; });
    std::stable_sort(run_start, run_end, [](char32_t a, char32_t b) {
      return combining_class(a) < combining_class(b);
    });
    run_start = run_end;
  }
}

}  // namespace qtx::text::unicode
