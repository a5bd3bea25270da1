// The building blocks of the tokenizers against hand-computed values: UTF-8, the generated
// Unicode tables, GPT-2's byte alphabet and pre-tokenization, BERT's normalizer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/text/bert_normalizer.h"
#include "engine/text/byte_level.h"
#include "engine/text/gpt2_pre_tokenizer.h"
#include "engine/text/unicode.h"
#include "engine/text/utf8.h"
#include "qtx/error.h"

namespace qtx::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string invalid_utf8_error(std::string_view bytes) {
  try {
    utf8::decode(bytes);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "decoded invalid UTF-8";
  return "";
}

TEST(TokenizerUtf8, DecodesAndEncodesEveryLength) {
  const std::string text = "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80";  // a é 東 😀
  EXPECT_EQ(utf8::decode(text), (std::u32string{U'a', 0xE9, 0x6771, 0x1F600}));
  EXPECT_EQ(utf8::encode(utf8::decode(text)), text);
}

TEST(TokenizerUtf8, RefusesInvalidSequencesNamingTheByte) {
  EXPECT_THAT(invalid_utf8_error("ab\x80"), HasSubstr("byte 2"));
  EXPECT_THAT(invalid_utf8_error("\xC0\xAF"), HasSubstr("byte 0"));          // overlong '/'
  EXPECT_THAT(invalid_utf8_error("x\xED\xA0\x80"), HasSubstr("byte 1"));     // surrogate
  EXPECT_THAT(invalid_utf8_error("\xF4\x90\x80\x80"), HasSubstr("byte 0"));  // > U+10FFFF
  EXPECT_THAT(invalid_utf8_error("\xE6\x9D"), HasSubstr("byte 0"));          // truncated
}

TEST(TokenizerUtf8, RepairsLikeFromUtf8Lossy) {
  const std::string fffd = "\xEF\xBF\xBD";
  // A valid prefix cut short is one replacement; each stray byte is one.
  EXPECT_EQ(utf8::repair_lossy("\xE2\x80\x22#\xE2\x80"), fffd + "\"#" + fffd);
  EXPECT_EQ(utf8::repair_lossy("\x80\x80"), fffd + fffd);
  EXPECT_EQ(utf8::repair_lossy("\xF0\x9F\x98"), fffd);
  EXPECT_EQ(utf8::repair_lossy("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate: 3 bytes alone
  EXPECT_EQ(utf8::repair_lossy("\xC3\xA9ok"), "\xC3\xA9ok");
}

TEST(TokenizerUnicode, CategoriesFromTheTables) {
  EXPECT_TRUE(unicode::is_letter(U'a'));
  EXPECT_TRUE(unicode::is_letter(0x6771));  // 東
  EXPECT_FALSE(unicode::is_letter(U'1'));
  EXPECT_TRUE(unicode::is_number(0x0663));       // ARABIC-INDIC DIGIT THREE
  EXPECT_TRUE(unicode::is_number(0x00BD));       // ½ (No)
  EXPECT_TRUE(unicode::is_punctuation(0x3002));  // 。
  EXPECT_FALSE(unicode::is_punctuation(U'$'));   // Sc, not P*
  EXPECT_TRUE(unicode::is_nonspacing_mark(0x0301));
  EXPECT_TRUE(unicode::is_control_or_format(0x200B));   // ZERO WIDTH SPACE is Cf
  EXPECT_FALSE(unicode::is_control_or_format(0x0378));  // unassigned is not dropped
  EXPECT_TRUE(unicode::is_white_space(0x00A0));
  EXPECT_TRUE(unicode::is_white_space(0x3000));
  EXPECT_FALSE(unicode::is_white_space(0x001C));  // isspace() in Python, not White_Space
  EXPECT_FALSE(unicode::is_white_space(0x200B));
  EXPECT_EQ(unicode::combining_class(0x0301), 230);
  EXPECT_EQ(unicode::combining_class(0x0323), 220);
  EXPECT_EQ(unicode::combining_class(U'a'), 0);
}

TEST(TokenizerUnicode, LowercaseAndDecomposition) {
  std::u32string out;
  for (char32_t c : std::u32string{U'A', 0x0100, 0x0101, 0x03A3, 0x0130, 0x1E9E}) {
    unicode::append_lowercase(c, out);
  }
  // A, Ā, ā (already lower), Σ, İ (two characters), ẞ
  EXPECT_EQ(out, (std::u32string{U'a', 0x0101, 0x0101, 0x03C3, U'i', 0x0307, 0x00DF}));
  out.clear();
  unicode::append_decomposition(0x1EAD, out);  // ậ: a + dot below + circumflex
  unicode::append_decomposition(0xD55C, out);  // 한: three jamo
  unicode::append_decomposition(0x00C5, out);  // Å
  EXPECT_EQ(out, (std::u32string{U'a', 0x0323, 0x0302, 0x1112, 0x1161, 0x11AB, U'A', 0x030A}));
}

TEST(TokenizerUnicode, CanonicalOrderingSortsMarksByClass) {
  std::u32string text{U'a', 0x0301, 0x0323, U'b', 0x0302};
  unicode::order_canonically(text);
  EXPECT_EQ(text, (std::u32string{U'a', 0x0323, 0x0301, U'b', 0x0302}));
}

TEST(TokenizerBertNormalizer, CleansPadsStripsAndLowercases) {
  const WordPieceOptions options;
  const std::u32string text = utf8::decode(
      "\tÉcole\xC2\xA0"
      "東x\x01\xEF\xBF\xBDY\xE2\x80\x8B");
  EXPECT_EQ(utf8::encode(normalize_bert(text, options)), " ecole  東 xy");
  WordPieceOptions cased;
  cased.lowercase = false;
  cased.strip_accents = false;
  EXPECT_EQ(utf8::encode(normalize_bert(text, cased)), " École  東 xY");
}

TEST(TokenizerByteLevel, AlphabetIsGpt2s) {
  const auto& table = byte_level::byte_to_char();
  EXPECT_EQ(table[U' '], 0x0120U);  // Ġ
  EXPECT_EQ(table[U'\n'], 0x010AU);
  EXPECT_EQ(table[U'A'], static_cast<char32_t>(U'A'));
  EXPECT_EQ(table[0xAD], 0x0143U);  // the last remapped byte
  for (unsigned b = 0; b < 256; ++b) EXPECT_EQ(byte_level::char_to_byte(table[b]), b);
  EXPECT_FALSE(byte_level::char_to_byte(U' ').has_value());
  EXPECT_FALSE(byte_level::char_to_byte(0x0144).has_value());
}

std::vector<std::string> gpt2_pieces(std::string_view text) {
  const std::u32string chars = utf8::decode(text);
  std::vector<std::string> pieces;
  for (std::u32string_view piece : split_gpt2(chars)) pieces.push_back(utf8::encode(piece));
  return pieces;
}

TEST(TokenizerGpt2PreTokenizer, SplitsAsTheRegex) {
  EXPECT_THAT(gpt2_pieces("Hello world's 42x!?"),
              ElementsAre("Hello", " world", "'s", " 42", "x", "!?"));
  // A whitespace run gives its last space to the next word; a lone tab stays alone.
  EXPECT_THAT(gpt2_pieces("a   b\tc  "), ElementsAre("a", "  ", " b", "\t", "c", "  "));
  EXPECT_THAT(gpt2_pieces("'re'll 'S ''s"), ElementsAre("'re", "'ll", " '", "S", " ''", "s"));
  EXPECT_THAT(gpt2_pieces(" \n\nx"), ElementsAre(" \n", "\n", "x"));
}

}  // namespace
}  // namespace qtx::text
