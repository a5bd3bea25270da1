// read_tokenizer on small checkpoint directories written by the test: what it takes from the
// configuration files, and clear errors naming the file for missing or malformed ones.
#include "converter/tokenizer_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "qtx/error.h"

namespace qtx::convert {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("qtx_tokenizer_files_" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

Error read_error(const fs::path& dir) {
  try {
    read_tokenizer(dir);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "read_tokenizer accepted " << dir;
  return Error(ErrorCode::kInternal, "");
}

const char* kBertVocab = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello\r\n";

TEST(TokenizerFiles, ReadsWordPieceWithDefaults) {
  TempDir dir;
  dir.write("vocab.txt", kBertVocab);
  const auto table = read_tokenizer(dir.path());
  EXPECT_THAT(table->vocab, ElementsAre("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello"));
  const auto* model = table->model.AsWordPiece();
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE(model->lowercase);
  EXPECT_TRUE(model->strip_accents);
  EXPECT_EQ(table->unk_id, 1);
  EXPECT_EQ(table->cls_id, 2);
  EXPECT_EQ(table->sep_id, 3);
  EXPECT_EQ(table->mask_id, 4);
  EXPECT_EQ(table->pad_id, 0);
  EXPECT_EQ(table->bos_id, -1);
  EXPECT_THAT(table->special_tokens, ElementsAre(0, 1, 2, 3, 4));
}

TEST(TokenizerFiles, StripAccentsFollowsLowercaseUnlessSet) {
  TempDir dir;
  dir.write("vocab.txt", kBertVocab);
  dir.write("tokenizer_config.json", R"({"do_lower_case": false, "strip_accents": null})");
  EXPECT_FALSE(read_tokenizer(dir.path())->model.AsWordPiece()->strip_accents);
  dir.write("tokenizer_config.json", R"({"do_lower_case": false, "strip_accents": true,
                                         "tokenize_chinese_chars": false})");
  const auto table = read_tokenizer(dir.path());
  EXPECT_FALSE(table->model.AsWordPiece()->lowercase);
  EXPECT_TRUE(table->model.AsWordPiece()->strip_accents);
  EXPECT_FALSE(table->model.AsWordPiece()->tokenize_chinese_chars);
}

TEST(TokenizerFiles, ReadsBytePairEncodingWithConfig) {
  TempDir dir;
  dir.write("vocab.json", R"({"a": 0, "b": 1, "ab": 2, "<|endoftext|>": 3})");
  dir.write("merges.txt", "#version: 0.2\na b\n");
  dir.write("tokenizer_config.json",
            R"({"add_bos_token": true, "bos_token": {"content": "<|endoftext|>"},
                "pad_token": "<|endoftext|>", "unk_token": null})");
  const auto table = read_tokenizer(dir.path());
  EXPECT_THAT(table->vocab, ElementsAre("a", "b", "ab", "<|endoftext|>"));
  const auto* model = table->model.AsBytePairEncoding();
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(model->merges, ElementsAre("a b"));
  EXPECT_TRUE(model->add_bos);
  EXPECT_FALSE(model->add_prefix_space);
  EXPECT_EQ(table->bos_id, 3);
  EXPECT_EQ(table->eos_id, 3);
  EXPECT_EQ(table->pad_id, 3);
  EXPECT_EQ(table->unk_id, -1);
  EXPECT_THAT(table->special_tokens, ElementsAre(3));
}

TEST(TokenizerFiles, MissingFilesAreNamed) {
  TempDir dir;
  const Error none = read_error(dir.path());
  EXPECT_EQ(none.code(), ErrorCode::kInvalidFile);
  EXPECT_THAT(none.what(), HasSubstr("no tokenizer files"));
  dir.write("vocab.json", R"({"a": 0})");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("merges.txt"));
}

TEST(TokenizerFiles, MalformedFilesAreNamed) {
  TempDir dir;
  dir.write("merges.txt", "#version: 0.2\na b\nab\n");
  dir.write("vocab.json", R"({"a": 0, "b": 0})");
  EXPECT_THAT(read_error(dir.path()).what(),
              testing::AllOf(HasSubstr("vocab.json"), HasSubstr("two tokens")));
  dir.write("vocab.json", R"({"a": 0, "b": 5})");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("outside 0..1"));
  dir.write("vocab.json", R"({"a": 0, "b": "1"})");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("no integer id"));
  dir.write("vocab.json", R"(["a", "b"])");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("expected an object"));
  dir.write("vocab.json", R"({"a": 0, "b": 1)");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("vocab.json"));
  dir.write("vocab.json", R"({"a": 0, "b": 1})");
  EXPECT_THAT(read_error(dir.path()).what(),
              testing::AllOf(HasSubstr("merges.txt"), HasSubstr("line 3")));
}

TEST(TokenizerFiles, SpecialTokensMustBeInTheVocabulary) {
  TempDir dir;
  dir.write("vocab.txt", kBertVocab);
  dir.write("special_tokens_map.json", R"({"cls_token": "[BOS]"})");
  EXPECT_THAT(read_error(dir.path()).what(),
              testing::AllOf(HasSubstr("cls_token"), HasSubstr("[BOS]")));
  dir.write("special_tokens_map.json", R"({"cls_token": 7})");
  EXPECT_THAT(read_error(dir.path()).what(), HasSubstr("special_tokens_map.json"));
  dir.write("special_tokens_map.json", "{}");
  dir.write("tokenizer_config.json",
            R"({"added_tokens_decoder": {"5": {"content": "[NEW]", "special": true}}})");
  EXPECT_THAT(read_error(dir.path()).what(),
              testing::AllOf(HasSubstr("tokenizer_config.json"), HasSubstr("[NEW]")));
  dir.write("tokenizer_config.json",
            R"({"added_tokens_decoder": {"6": {"content": "[NEW]", "special": true}}})");
  const auto table = read_tokenizer(dir.path());
  EXPECT_EQ(table->vocab.size(), 7U);
  EXPECT_THAT(table->special_tokens, ElementsAre(0, 1, 2, 3, 4, 6));
}

}  // namespace
}  // namespace qtx::convert
