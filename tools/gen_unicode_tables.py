#!/usr/bin/env python3
"""Generates engine/text/unicode_tables.cpp: the Unicode character data the tokenizers need.

Run from the repository root:  python3 tools/gen_unicode_tables.py
The data comes from Python's unicodedata (the Unicode version it reports is written into the
generated file). Everything is range-compressed so the generated source stays small:
  - category sets (letters L*, numbers N*, punctuation P*, nonspacing marks Mn, and the
    "other" characters Cc/Cf/Co/Cs that BERT's text cleaning drops) as [first, last] ranges;
  - White_Space, which unicodedata does not expose, from PropList.txt (it has been stable
    since Unicode 6.0) and checked against the category data below;
  - canonical combining classes as ranges of one value;
  - simple lowercase mappings as (first, last, stride, delta) runs, plus the few characters
    whose full lowercase is several characters (U+0130);
  - full canonical decompositions (NFD of one character; Hangul syllables are decomposed
    algorithmically by the C++ code and are not listed).
Hugging Face tokenizers mixes Unicode versions (its BERT rules use the unicode_categories
crate, around Unicode 9; its regex engine a recent one): characters assigned after Unicode 9
can be classified differently there. Nothing else differs (checked code point by code point
against tokenizers 0.23 when this generator was written).
"""
import os
import subprocess
import sys
import unicodedata as ud

MAX_CODE = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
# PropList.txt, White_Space (unchanged since Unicode 6.0).
WHITE_SPACE = [(0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
               (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
               (0x3000, 0x3000)]
OUTPUT = os.path.join("engine", "text", "unicode_tables.cpp")


def code_points():
    return (c for c in range(MAX_CODE + 1) if not 0xD800 <= c <= 0xDFFF)


def ranges_of(predicate):
    ranges = []
    for c in code_points():
        if not predicate(chr(c)):
            continue
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return ranges


def category_ranges(categories):
    return ranges_of(lambda ch: ud.category(ch) in categories)


def combining_class_ranges():
    ranges = []
    for c in code_points():
        ccc = ud.combining(chr(c))
        if ccc == 0:
            continue
        if ranges and ranges[-1][1] == c - 1 and ranges[-1][2] == ccc:
            ranges[-1][1] = c
        else:
            ranges.append([c, c, ccc])
    return ranges


def lowercase_tables():
    """Single-character mappings as runs of equal delta and stride; longer ones listed."""
    singles, multis = [], []
    for c in code_points():
        lower = chr(c).lower()
        if lower == chr(c):
            continue
        if len(lower) == 1:
            singles.append((c, ord(lower) - c))
        else:
            multis.append((c, [ord(x) for x in lower]))
    runs = []  # [first, last, stride, delta]
    for c, delta in singles:
        if runs and runs[-1][3] == delta:
            first, last, stride, _ = runs[-1]
            if first == last and c - last in (1, 2):
                runs[-1][1], runs[-1][2] = c, c - last
                continue
            if first != last and c - last == stride:
                runs[-1][1] = c
                continue
        runs.append([c, c, 1, delta])
    return runs, multis


def decompositions():
    entries = []
    for c in code_points():
        if HANGUL_FIRST <= c <= HANGUL_LAST:
            continue
        nfd = ud.normalize("NFD", chr(c))
        if nfd != chr(c):
            entries.append((c, [ord(x) for x in nfd]))
    return entries


def check_white_space():
    listed = {c for first, last in WHITE_SPACE for c in range(first, last + 1)}
    for c in listed:
        category = ud.category(chr(c))
        assert category in ("Zs", "Zl", "Zp", "Cc"), (hex(c), category)
    for c in code_points():
        if ud.category(chr(c)) in ("Zs", "Zl", "Zp"):
            assert c in listed, hex(c)


def emit_rows(items, per_line):
    lines = []
    for i in range(0, len(items), per_line):
        lines.append("    " + " ".join(items[i:i + per_line]))
    return "\n".join(lines)


def emit_ranges(name, ranges):
    items = ["{0x%X, 0x%X}," % (first, last) for first, last in ranges]
    return ("const CodeRange %s[] = {\n%s\n};\n" % (name, emit_rows(items, 5)))


def emit_pool_mappings(name, entries, pool):
    items = []
    for code, chars in entries:
        items.append("{0x%X, %d, %d}," % (code, len(pool), len(chars)))
        pool.extend(chars)
    return "const Mapping %s[] = {\n%s\n};\n" % (name, emit_rows(items, 5))


def generate():
    check_white_space()
    case_runs, case_multis = lowercase_tables()
    pool = []
    parts = [
        emit_ranges("kLetterRanges", category_ranges({"Lu", "Ll", "Lt", "Lm", "Lo"})),
        emit_ranges("kNumberRanges", category_ranges({"Nd", "Nl", "No"})),
        emit_ranges("kPunctuationRanges",
                    category_ranges({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"})),
        emit_ranges("kNonspacingMarkRanges", category_ranges({"Mn"})),
        emit_ranges("kOtherRanges", category_ranges({"Cc", "Cf", "Co", "Cs"})),
        emit_ranges("kWhiteSpaceRanges", WHITE_SPACE),
        "const ClassRange kCombiningClassRanges[] = {\n%s\n};\n" % emit_rows(
            ["{0x%X, 0x%X, %d}," % tuple(r) for r in combining_class_ranges()], 4),
        "const CaseRange kLowercaseRanges[] = {\n%s\n};\n" % emit_rows(
            ["{0x%X, 0x%X, %d, %d}," % tuple(r) for r in case_runs], 4),
        emit_pool_mappings("kLowercaseLong", case_multis, pool),
        emit_pool_mappings("kDecompositionList", decompositions(), pool),
    ]
    assert len(pool) < 65536
    pool_items = ["0x%X," % c for c in pool]
    parts.append("const char32_t kPool[] = {\n%s\n};\n" % emit_rows(pool_items, 12))
    spans = [
        ("CodeRange", "letters", "kLetterRanges"),
        ("CodeRange", "numbers", "kNumberRanges"),
        ("CodeRange", "punctuation", "kPunctuationRanges"),
        ("CodeRange", "nonspacing_marks", "kNonspacingMarkRanges"),
        ("CodeRange", "other", "kOtherRanges"),
        ("CodeRange", "white_space", "kWhiteSpaceRanges"),
        ("ClassRange", "combining_classes", "kCombiningClassRanges"),
        ("CaseRange", "lowercase", "kLowercaseRanges"),
        ("Mapping", "lowercase_long", "kLowercaseLong"),
        ("Mapping", "decompositions", "kDecompositionList"),
        ("char32_t", "mapping_pool", "kPool"),
    ]
    accessors = "\n".join("std::span<const %s> %s() { return %s; }" % s for s in spans)
    return HEADER % (ud.unidata_version, "\n".join(parts), ud.unidata_version, accessors)


HEADER = """\
// GENERATED by tools/gen_unicode_tables.py from Python's unicodedata, Unicode %s.
// Do not edit: change the generator and run it again.
#include "engine/text/unicode_tables.h"

namespace qtx::text::unicode_tables {
namespace {

// clang-format off
%s// clang-format on

}  // namespace

const char* unicode_version() { return "%s"; }
%s

}  // namespace qtx::text::unicode_tables
"""


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, OUTPUT)
    with open(path, "w", encoding="utf-8") as out:
        out.write(generate())
    subprocess.run(["clang-format", "-i", path], check=True)
    print("wrote %s (Unicode %s, %d bytes)" % (OUTPUT, ud.unidata_version, os.path.getsize(path)))


if __name__ == "__main__":
    sys.exit(main())
