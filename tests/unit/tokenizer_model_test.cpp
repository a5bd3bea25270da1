// WordPiece and byte-level BPE on tiny hand-made vocabularies, with hand-computed ids, and
// the refusals of inconsistent tokenizer tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "engine/text/byte_level.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_factory.h"
#include "engine/text/utf8.h"
#include "qtx/error.h"

namespace qtx::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no qtx::Error thrown";
  return Error(ErrorCode::kInternal, "");
}

// ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 un=5 ##aff=6 ##able=7 aff=8 !=9 hello=10 ##!=11
std::unique_ptr<Tokenizer> tiny_wordpiece(int max_chars = 100) {
  SpecialIds ids;
  ids.pad = 0, ids.unk = 1, ids.cls = 2, ids.sep = 3, ids.mask = 4;
  WordPieceOptions options;
  options.max_input_chars_per_word = max_chars;
  return make_wordpiece({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able",
                         "aff", "!", "hello", "##!"},
                        {0, 1, 2, 3, 4}, ids, options);
}

TEST(TokenizerWordPiece, LongestMatchFirstWithContinuations) {
  const auto tokenizer = tiny_wordpiece();
  EXPECT_THAT(tokenizer->encode("UnAffable HELLO!"), ElementsAre(5, 6, 7, 10, 9));
  // One unmatched piece makes the whole word unknown; punctuation is its own word.
  EXPECT_THAT(tokenizer->encode("unaffx aff!!"), ElementsAre(1, 8, 9, 9));
  EXPECT_THAT(tokenizer->encode("[MASK]hello[mask]"), ElementsAre(4, 10, 1, 1, 1));
  EXPECT_THAT(tokenizer->encode_for_model("hello"), ElementsAre(2, 10, 3));
  EXPECT_THAT(tokenizer->encode(" \t\n"), ElementsAre());
}

TEST(TokenizerWordPiece, WordsOverTheLimitAreUnknown) {
  const auto tokenizer = tiny_wordpiece(5);
  EXPECT_THAT(tokenizer->encode("hello unaffable"), ElementsAre(10, 1));
}

TEST(TokenizerWordPiece, LongWordsStayLinearWithoutALimit) {
  SpecialIds ids;
  ids.unk = 0;
  WordPieceOptions options;
  options.max_input_chars_per_word = std::numeric_limits<int>::max();
  const auto tokenizer = make_wordpiece({"[UNK]", "a", "##a"}, {0}, ids, options);
  // Candidates are never longer than the longest token: 200k tries, not 200k squared.
  const std::vector<int32_t> pieces = tokenizer->encode(std::string(200000, 'a'));
  ASSERT_EQ(pieces.size(), 200000U);
  EXPECT_EQ(pieces.front(), 1);
  EXPECT_EQ(pieces.back(), 2);
}

TEST(TokenizerWordPiece, DecodeJoinsContinuationsAndCleansSpaces) {
  const auto tokenizer = tiny_wordpiece();
  const std::vector<int32_t> ids{2, 5, 6, 7, 10, 9, 4, 3};
  EXPECT_EQ(tokenizer->decode(ids, false), "[CLS] unaffable hello! [MASK] [SEP]");
  EXPECT_EQ(tokenizer->decode(ids, true), "unaffable hello!");
  EXPECT_EQ(error_of([&] { tokenizer->decode(std::vector<int32_t>{12}, false); }).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { tokenizer->encode("bad \xFF utf8"); }).code(),
            ErrorCode::kInvalidArgument);
}

// All 256 byte tokens in byte order (ids 0..255), then "ab" (256), "abc" (257), "aa" (258),
// "Ġab" (259), "<|endoftext|>" (260).
std::vector<std::string> tiny_byte_vocab() {
  std::vector<std::string> vocab;
  for (char32_t c : byte_level::byte_to_char()) vocab.push_back(utf8::encode(std::u32string(1, c)));
  for (const char* token : {"ab", "abc", "aa",
                            "\xC4\xA0"
                            "ab",
                            "<|endoftext|>"}) {
    vocab.push_back(token);
  }
  return vocab;
}

std::unique_ptr<Tokenizer> tiny_bpe() {
  SpecialIds ids;
  ids.bos = ids.eos = 260;
  BpeOptions options;
  options.add_bos = true;
  return make_byte_bpe(tiny_byte_vocab(), {"a b", "ab c", "a a", "\xC4\xA0 ab"}, {260}, ids,
                       options);
}

TEST(TokenizerBytePairEncoding, MergesByRankLeftmostFirst) {
  const auto tokenizer = tiny_bpe();
  // "abc" -> a b c -> ab c -> abc; " abd" -> Ġ a b d -> Ġ ab d -> Ġab d.
  EXPECT_THAT(tokenizer->encode("abc abd"), ElementsAre(257, 259, 'd'));
  // Overlapping pairs: the leftmost merges first.
  EXPECT_THAT(tokenizer->encode("aaa"), ElementsAre(258, 'a'));
  EXPECT_THAT(tokenizer->encode_for_model("x<|endoftext|>"), ElementsAre(260, 'x', 260));
  // é is two bytes, each a byte token (0xC3, 0xA9 stand for themselves).
  EXPECT_THAT(tokenizer->encode("\xC3\xA9"), ElementsAre(0xC3, 0xA9));
}

TEST(TokenizerBytePairEncoding, PrefixSpaceGoesBeforeEverySegment) {
  SpecialIds ids;
  ids.eos = 260;
  BpeOptions options;
  options.add_prefix_space = true;
  const auto tokenizer =
      make_byte_bpe(tiny_byte_vocab(), {"a b", "\xC4\xA0 ab"}, {260}, ids, options);
  // " ab" -> Ġab; the text after the special token gets its own space (byte 0x20 is id 32).
  EXPECT_THAT(tokenizer->encode("ab<|endoftext|>cd"), ElementsAre(259, 260, 32, 'c', 'd'));
  EXPECT_THAT(tokenizer->encode(" ab"), ElementsAre(259));
}

TEST(TokenizerBytePairEncoding, DecodeRepairsSplitCharacters) {
  const auto tokenizer = tiny_bpe();
  EXPECT_EQ(tokenizer->decode(std::vector<int32_t>{260, 259, 0xC3}, false),
            "<|endoftext|> ab\xEF\xBF\xBD");
  EXPECT_EQ(tokenizer->decode(std::vector<int32_t>{260, 257}, true), "abc");
}

TEST(TokenizerBytePairEncoding, RefusesInconsistentTables) {
  auto vocab = tiny_byte_vocab();
  EXPECT_THAT(error_of([&] { make_byte_bpe(vocab, {"a bz"}, {}, {}, {}); }).what(),
              HasSubstr("'bz'"));
  EXPECT_THAT(error_of([&] { make_byte_bpe(vocab, {"ab"}, {}, {}, {}); }).what(),
              HasSubstr("not two tokens"));
  vocab.erase(vocab.begin() + 'q');
  EXPECT_THAT(error_of([&] { make_byte_bpe(vocab, {}, {}, {}, {}); }).what(),
              HasSubstr("no token for byte"));
}

fb::TokenizerT wordpiece_table() {
  fb::TokenizerT table;
  table.vocab = {"[UNK]", "a", "##b"};
  table.unk_id = 0;
  table.special_tokens = {0};
  table.model.Set(fb::WordPieceT());
  return table;
}

TEST(TokenizerFactory, BuildsFromTheFileTable) {
  const auto tokenizer = make_tokenizer(wordpiece_table());
  EXPECT_THAT(tokenizer->encode("ab A"), ElementsAre(1, 2, 1));
  EXPECT_EQ(tokenizer->decode(std::vector<int32_t>{1, 2, 1}, false), "ab a");
}

TEST(TokenizerFactory, RefusesInconsistentTablesAsInvalidFiles) {
  auto bad_special = wordpiece_table();
  bad_special.special_tokens = {7};
  const Error special = error_of([&] { make_tokenizer(bad_special); });
  EXPECT_EQ(special.code(), ErrorCode::kInvalidFile);
  EXPECT_THAT(special.what(), HasSubstr("special token id 7"));

  auto bad_cls = wordpiece_table();
  bad_cls.cls_id = -5;
  EXPECT_THAT(error_of([&] { make_tokenizer(bad_cls); }).what(), HasSubstr("cls id -5"));

  auto no_unk = wordpiece_table();
  no_unk.unk_id = -1;
  EXPECT_THAT(error_of([&] { make_tokenizer(no_unk); }).what(), HasSubstr("unknown-token"));

  auto bad_limit = wordpiece_table();
  bad_limit.model.AsWordPiece()->max_input_chars_per_word = -1;
  EXPECT_THAT(error_of([&] { make_tokenizer(bad_limit); }).what(),
              HasSubstr("max_input_chars_per_word"));

  fb::TokenizerT no_model;
  EXPECT_THAT(error_of([&] { make_tokenizer(no_model); }).what(), HasSubstr("no model"));
}

}  // namespace
}  // namespace qtx::text
