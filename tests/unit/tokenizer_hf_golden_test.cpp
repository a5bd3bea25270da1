// The tokenizers against Hugging Face (AutoTokenizer, transformers 5 / tokenizers 0.23) on the
// real vocabularies of the shared checkpoints: every line of wikitext-2's test split by
// fingerprint, and the nasty cases of tests/data/tokenizers/nasty.txt id by id. The golden
// files come from tests/tools/gen_tokenizer_golden.py.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "converter/tokenizer_files.h"
#include "engine/text/tokenizer_factory.h"
#include "engine/util/json.h"

namespace qtx::text {
namespace {

namespace fs = std::filesystem;

const fs::path kShared = QTX_SHARED_DIR;
const fs::path kGolden = fs::path(QTX_TEST_DATA_DIR) / "tokenizers";

std::unique_ptr<Tokenizer> load(const char* model) {
  return make_tokenizer(*convert::read_tokenizer(kShared / "models" / model));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file split on "\n", without the empty piece after a final newline (as the generator).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// FNV-1a over the bytes, continuing from `hash`.
uint64_t fnv1a(const void* data, size_t size, uint64_t hash, uint64_t prime) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * prime;
  return hash;
}

constexpr uint64_t kFnv64Basis = 0xCBF29CE484222325ULL, kFnv64Prime = 0x100000001B3ULL;

// Ids as 4 little-endian bytes each (the machines we build for are little-endian).
uint64_t fnv64_ids(const std::vector<int32_t>& ids, uint64_t hash = kFnv64Basis) {
  return fnv1a(ids.data(), ids.size() * sizeof(int32_t), hash, kFnv64Prime);
}

uint32_t fnv32_text(const std::string& text) {
  return static_cast<uint32_t>(fnv1a(text.data(), text.size(), 0x811C9DC5U, 0x01000193U) &
                               0xFFFFFFFFU);
}

std::string fingerprint(const Tokenizer& tokenizer, const std::string& line) {
  const std::vector<int32_t> ids = tokenizer.encode(line);
  char row[64];
  std::snprintf(row, sizeof row, "%zu %016llx %08x", ids.size(),
                static_cast<unsigned long long>(fnv64_ids(ids)),
                fnv32_text(tokenizer.decode(ids, false)));
  return row;
}

std::string show_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += std::to_string(id) + " ";
  return out;
}

void expect_wikitext_matches(const Tokenizer& tokenizer, const char* kind) {
  const std::vector<std::string> lines =
      split_lines(read_file(kShared / "data" / "wikitext2_test.txt"));
  const std::vector<std::string> golden =
      split_lines(read_file(kGolden / (std::string("wikitext_") + kind + ".txt")));
  ASSERT_EQ(golden.size(), lines.size() + 1) << "golden file out of date";
  std::vector<int32_t> framed;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string row = fingerprint(tokenizer, lines[i]);
    ASSERT_EQ(row, golden[i + 1]) << "first differing line " << i + 1 << ": '" << lines[i]
                                  << "'\nids: " << show_ids(tokenizer.encode(lines[i]));
    const std::vector<int32_t> model_ids = tokenizer.encode_for_model(lines[i]);
    framed.insert(framed.end(), model_ids.begin(), model_ids.end());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu lines encoded (twice) and decoded in %.3f s\n", kind, lines.size(), seconds);
  char header[64];
  std::snprintf(header, sizeof header, "# framed %zu %016llx", framed.size(),
                static_cast<unsigned long long>(fnv64_ids(framed)));
  EXPECT_EQ(header, golden[0]) << "framing (encode_for_model) differs";
}

std::vector<int32_t> ids_of(const Json& json) {
  std::vector<int32_t> ids;
  for (const Json& id : json.as_array()) ids.push_back(static_cast<int32_t>(id.as_int()));
  return ids;
}

void expect_nasty_cases_match(const Tokenizer& tokenizer, const char* kind) {
  const Json cases =
      Json::parse_file((kGolden / (std::string("nasty_") + kind + ".json")).string());
  ASSERT_GT(cases.as_array().size(), 30U);
  for (const Json& item : cases.as_array()) {
    const std::string& text = item.at("text").as_string();
    SCOPED_TRACE("text: '" + text + "'");
    const std::vector<int32_t> ids = ids_of(item.at("ids"));
    const std::vector<int32_t> framed = ids_of(item.at("framed"));
    EXPECT_EQ(show_ids(tokenizer.encode(text)), show_ids(ids));
    EXPECT_EQ(show_ids(tokenizer.encode_for_model(text)), show_ids(framed));
    EXPECT_EQ(tokenizer.decode(framed, false), item.at("decoded").as_string());
    EXPECT_EQ(tokenizer.decode(framed, true), item.at("decoded_skip_special").as_string());
    EXPECT_EQ(tokenizer.decode(ids_of(item.at("half_ids")), false),
              item.at("decoded_half").as_string());
  }
}

TEST(TokenizerHfGolden, WordPieceMatchesOnWikitext) {
  expect_wikitext_matches(*load("bert4L-vanilla"), "wordpiece");
}

TEST(TokenizerHfGolden, BytePairEncodingMatchesOnWikitext) {
  expect_wikitext_matches(*load("opt4L-vanilla"), "bpe");
}

TEST(TokenizerHfGolden, WordPieceMatchesOnNastyCases) {
  expect_nasty_cases_match(*load("bert4L-vanilla"), "wordpiece");
}

TEST(TokenizerHfGolden, BytePairEncodingMatchesOnNastyCases) {
  expect_nasty_cases_match(*load("opt4L-vanilla"), "bpe");
}

TEST(TokenizerHfGolden, SpecialIdsComeFromTheCheckpointConfig) {
  const auto bert = load("bert4L-vanilla");
  EXPECT_EQ(bert->vocab_size(), 30522U);
  EXPECT_EQ(bert->special_ids().cls, 101);
  EXPECT_EQ(bert->special_ids().sep, 102);
  EXPECT_EQ(bert->special_ids().mask, 103);
  EXPECT_EQ(bert->special_ids().unk, 100);
  EXPECT_EQ(bert->special_ids().pad, 0);
  EXPECT_EQ(bert->token(103), "[MASK]");
  const auto opt = load("opt4L-vanilla");
  EXPECT_EQ(opt->vocab_size(), 50257U);
  EXPECT_EQ(opt->special_ids().bos, 50256);
  EXPECT_EQ(opt->special_ids().eos, 50256);
  EXPECT_EQ(opt->special_ids().pad, 50256);
  EXPECT_EQ(opt->special_ids().cls, -1);
  EXPECT_EQ(opt->token(15496), "Hello");
}

}  // namespace
}  // namespace qtx::text
