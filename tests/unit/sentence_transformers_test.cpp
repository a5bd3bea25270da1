// sentence-transformers folders beyond the goldens (tests/golden/sentence_golden_test.cpp):
// hostile and unsupported modules.json / module configs are errors naming the file, the task
// defaults reach `qtx inspect` and the library, input length limits and truncation behave as
// the README says on every task, and the CLI's embedding options override the defaults.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "converter/convert.h"
#include "qtx/qtx.h"
#include "qtx/qtx_c.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

namespace fs = std::filesystem;

Json pooling_config(const std::string& mode, int64_t width = 192) {
  Json config;
  config.set("word_embedding_dimension", width);
  for (const char* key : {"pooling_mode_cls_token", "pooling_mode_mean_tokens",
                          "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"}) {
    config.set(key, std::string(key) == mode);
  }
  return config;
}

Json module(const std::string& type, const std::string& path) {
  Json m;
  m.set("idx", 0);
  m.set("name", path);
  m.set("path", path);
  m.set("type", "sentence_transformers.models." + type);
  return m;
}

// bert4L-vanilla's folder with a Transformer + Pooling (+ extra modules) pipeline.
class SentenceFolder {
 public:
  explicit SentenceFolder(Json::Array extra = {}) : temp_("st-folder") {
    for (const auto& entry : fs::directory_iterator(testing::shared_model_dir("bert4L-vanilla"))) {
      fs::copy(entry.path(), dir() / entry.path().filename());
    }
    fs::create_directory(dir() / "1_Pooling");
    testing::write_json(dir() / "1_Pooling" / "config.json",
                        pooling_config("pooling_mode_mean_tokens"));
    Json::Array modules = {module("Transformer", ""), module("Pooling", "1_Pooling")};
    for (Json& m : extra) modules.push_back(std::move(m));
    write_modules(std::move(modules));
    Json sbert;
    sbert.set("max_seq_length", 12);
    sbert.set("do_lower_case", false);
    testing::write_json(dir() / "sentence_bert_config.json", sbert);
  }
  const fs::path& dir() const { return temp_.path(); }
  fs::path qtx() const { return dir() / "model.qtx"; }
  void write_modules(Json::Array modules) const {
    testing::write_json(dir() / "modules.json", Json(std::move(modules)));
  }
  // The error converting this folder raises.
  Error convert_error() const {
    try {
      convert::convert_checkpoint(dir(), qtx(), {});
    } catch (const Error& e) {
      return e;
    }
    return Error(ErrorCode::kInternal, "converted without an error");
  }

 private:
  testing::TempDir temp_;
};

void expect_error(const Error& e, ErrorCode code, const std::string& part) {
  EXPECT_EQ(e.code(), code) << e.what();
  EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
}

TEST(SentenceTransformersFolder, HostileOrUnsupportedModulesAreRefused) {
  const SentenceFolder folder;
  folder.write_modules({module("Transformer", ""), module("Pooling", "../../etc")});
  expect_error(folder.convert_error(), ErrorCode::kInvalidFile, "leaves the model folder");
  folder.write_modules({module("Transformer", ""), module("Pooling", "/etc")});
  expect_error(folder.convert_error(), ErrorCode::kInvalidFile, "leaves the model folder");
  folder.write_modules(
      {module("Transformer", ""), module("Pooling", "1_Pooling"), module("LSTM", "2_LSTM")});
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "'LSTM'");
  folder.write_modules({module("Transformer", ""), module("Pooling", "1_Pooling"),
                        module("Normalize", "2_Normalize"), module("Dense", "3_Dense")});
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "Normalize last");
  folder.write_modules({module("Pooling", "1_Pooling"), module("Transformer", "")});
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "modules Pooling, Transformer");
  testing::write_json(folder.dir() / "modules.json", Json(Json::Object{}));
  expect_error(folder.convert_error(), ErrorCode::kInvalidFile, "modules.json");
}

// Older folders keep the Hugging Face model in a subfolder (0_Transformer/, or 0_BERT/ with the
// module type "BERT"), its sentence_bert_config.json beside it.
TEST(SentenceTransformersFolder, TransformerInASubfolder) {
  const SentenceFolder root;
  convert::convert_checkpoint(root.dir(), root.qtx(), {});
  const Session flat(Model::load(root.qtx().string()));
  const SentenceFolder nested;
  const fs::path inner = nested.dir() / "0_BERT";
  fs::create_directory(inner);
  for (const auto& entry : fs::directory_iterator(nested.dir())) {
    if (!entry.is_regular_file() || entry.path().filename() == "modules.json") continue;
    fs::rename(entry.path(), inner / entry.path().filename());
  }
  nested.write_modules({module("BERT", "0_BERT"), module("Pooling", "1_Pooling")});
  convert::convert_checkpoint(nested.dir(), nested.qtx(), {});
  const Session sub(Model::load(nested.qtx().string()));
  EXPECT_EQ(sub.model().info().defaults.max_length, 12);  // 0_BERT/sentence_bert_config.json
  EXPECT_EQ(sub.embed({"a sentence in a subfolder"}), flat.embed({"a sentence in a subfolder"}));
}

TEST(SentenceTransformersFolder, BadModuleConfigsNameTheirFile) {
  const SentenceFolder folder;
  const Json both =
      testing::with_key(pooling_config("pooling_mode_cls_token"), "pooling_mode_max_tokens", true);
  testing::write_json(folder.dir() / "1_Pooling" / "config.json", both);
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "several pooling modes");
  testing::write_json(folder.dir() / "1_Pooling" / "config.json", pooling_config("none"));
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "no pooling mode");
  testing::write_json(folder.dir() / "1_Pooling" / "config.json",
                      pooling_config("pooling_mode_mean_tokens", 384));
  expect_error(folder.convert_error(), ErrorCode::kInvalidFile, "embedding dimension 384");
  testing::write_json(folder.dir() / "1_Pooling" / "config.json",
                      pooling_config("pooling_mode_mean_tokens"));
  // A Dense module whose input does not fit, and one without weights.
  folder.write_modules(
      {module("Transformer", ""), module("Pooling", "1_Pooling"), module("Dense", "2_Dense")});
  fs::create_directory(folder.dir() / "2_Dense");
  Json dense;
  dense.set("in_features", 100);
  dense.set("out_features", 8);
  testing::write_json(folder.dir() / "2_Dense" / "config.json", dense);
  expect_error(folder.convert_error(), ErrorCode::kInvalidFile, "in_features 100");
  dense = testing::with_key(dense, "in_features", 192);
  dense.set("activation_function", "torch.nn.modules.activation.Softsign");
  testing::write_json(folder.dir() / "2_Dense" / "config.json", dense);
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "Softsign");
  dense = testing::with_key(dense, "activation_function", "torch.nn.modules.linear.Identity");
  dense.set("use_residual", true);
  testing::write_json(folder.dir() / "2_Dense" / "config.json", dense);
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "use_residual");
}

// sentence-transformers 6 writes the Pooling config as {"embedding_dimension", "pooling_mode"}.
TEST(SentenceTransformersFolder, ReadsSentenceTransformers6PoolingConfigs) {
  const SentenceFolder folder;
  Json config;
  config.set("embedding_dimension", 192);
  config.set("pooling_mode", "max");
  config.set("include_prompt", true);
  testing::write_json(folder.dir() / "1_Pooling" / "config.json", config);
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  EXPECT_EQ(Model::load(folder.qtx().string())->info().defaults.pooling, Pooling::kMax);
  config = testing::with_key(config, "pooling_mode", Json(Json::Array{"mean", "max"}));
  testing::write_json(folder.dir() / "1_Pooling" / "config.json", config);
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "several pooling modes");
  config = testing::with_key(config, "pooling_mode", "sum");
  testing::write_json(folder.dir() / "1_Pooling" / "config.json", config);
  expect_error(folder.convert_error(), ErrorCode::kUnsupported, "'sum'");
}

TEST(SentenceTransformersFolder, DefaultsReachInspectAndTheLibrary) {
  const SentenceFolder folder;
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  const auto model = Model::load(folder.qtx().string());
  const TaskDefaults& d = model->info().defaults;
  EXPECT_TRUE(d.sentence_transformers);
  EXPECT_EQ(d.pooling, Pooling::kMean);
  EXPECT_FALSE(d.normalize);
  EXPECT_EQ(d.max_length, 12);
  EXPECT_EQ(d.embedding_size, 192);
  EXPECT_EQ(model->info().head, ModelHead::kNone);  // BertForMaskedLM, built headless
  const testing::QtxRun inspect = testing::run_qtx({"inspect", folder.qtx().string(), "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const Json info = Json::parse(inspect.out, "inspect");
  const Json* defaults = info.find("defaults");
  ASSERT_NE(defaults, nullptr);
  EXPECT_EQ(defaults->find("source")->as_string(), "sentence-transformers");
  EXPECT_EQ(defaults->find("pooling")->as_string(), "mean");
  EXPECT_EQ(defaults->find("max_length")->as_number(), 12);
}

TEST(SentenceTransformersFolder, EmbeddingsCutLongInputsKeepingTheFinalSep) {
  const SentenceFolder folder;
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  const Session session(Model::load(folder.qtx().string()));
  const std::string text = "one two three four five six seven eight nine ten eleven twelve";
  const std::vector<int32_t> ids = session.model().encode(text, EmbeddingOptions{}.input);
  ASSERT_EQ(ids.size(), 12u);
  EXPECT_EQ(ids.front(), session.model().special_tokens().cls);
  EXPECT_EQ(ids.back(), session.model().special_tokens().sep);
  // The embedding of the long text is the embedding of its cut ids.
  const std::vector<int32_t> full = session.model().encode(text);
  EXPECT_GT(full.size(), 12u);
  EXPECT_EQ(std::vector<int32_t>(full.begin(), full.begin() + 11),
            std::vector<int32_t>(ids.begin(), ids.begin() + 11));
  EmbeddingOptions longer;
  longer.input.max_length = 64;
  EXPECT_NE(session.embed({text}), session.embed({text}, longer));
  EmbeddingOptions strict;
  strict.input.truncate = false;
  try {
    session.embed({text}, strict);
    ADD_FAILURE() << "a too-long input without truncation embedded";
  } catch (const Error& e) {
    expect_error(e, ErrorCode::kInvalidArgument, "maximum length of 12");
  }
  EmbeddingOptions beyond;
  beyond.input.max_length = 100000;
  try {
    session.embed({text}, beyond);
    ADD_FAILURE() << "a max_length beyond max_positions was accepted";
  } catch (const Error& e) {
    expect_error(e, ErrorCode::kInvalidArgument, "max_positions");
  }
}

TEST(SentenceTransformersFolder, CliOptionsOverrideTheDefaults) {
  const SentenceFolder folder;
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  const std::string qtx = folder.qtx().string();
  const auto embedding = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"run", qtx, "--text", "a short sentence", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const testing::QtxRun run = testing::run_qtx(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const Json out = Json::parse(run.out, "run");
    std::vector<double> values;
    for (const Json& v : out.find("embedding")->as_array()) values.push_back(v.as_number());
    return values;
  };
  const std::vector<double> plain = embedding({});
  double norm = 0;
  const std::vector<double> normalized = embedding({"--normalize"});
  for (double v : normalized) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  EXPECT_NE(embedding({"--pooling", "cls"}), plain);
  EXPECT_EQ(embedding({"--pooling", "mean"}), plain);
  // The empty text is an input too: [CLS] [SEP].
  const testing::QtxRun empty = testing::run_qtx({"run", qtx, "--text", "", "--json"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  const testing::QtxRun bad = testing::run_qtx({"run", qtx, "--text", "x", "--pooling", "sum"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

TEST(SentenceTransformersFolder, DenseModulesFixThePooling) {
  const SentenceFolder folder({module("Dense", "2_Dense"), module("Normalize", "3_Normalize")});
  fs::create_directory(folder.dir() / "2_Dense");
  Json dense;
  dense.set("in_features", 192);
  dense.set("out_features", 8);
  dense.set("bias", true);
  dense.set("activation_function", "torch.nn.modules.activation.Tanh");
  testing::write_json(folder.dir() / "2_Dense" / "config.json", dense);
  testing::write_safetensors(
      folder.dir() / "2_Dense" / "model.safetensors",
      {{"linear.weight", Tensor(DType::F32, {8, 192})}, {"linear.bias", Tensor(DType::F32, {8})}});
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  const Session session(Model::load(folder.qtx().string()));
  EXPECT_EQ(session.model().info().defaults.embedding_size, 8);
  EXPECT_EQ(session.model().info().defaults.dense_layers, 1);
  EXPECT_EQ(session.embed({"hello"}).at(0).size(), 8u);
  EmbeddingOptions cls;
  cls.pooling = Pooling::kCls;
  try {
    session.embed({"hello"}, cls);
    ADD_FAILURE() << "cls pooling fed a Dense module trained on mean pooling";
  } catch (const Error& e) {
    expect_error(e, ErrorCode::kUnsupported, "Dense module");
  }
  const testing::QtxRun run =
      testing::run_qtx({"run", folder.qtx().string(), "--text", "hi", "--pooling", "max"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("Dense module"), std::string::npos) << run.err;
}

TEST(SentenceTransformersFolder, CApiEmbedsWithTheDefaults) {
  const SentenceFolder folder;
  convert::convert_checkpoint(folder.dir(), folder.qtx(), {});
  const std::vector<float> want = Session(Model::load(folder.qtx().string())).embed({"c api"})[0];
  char error[256] = "";
  qtx_model* model = nullptr;
  ASSERT_EQ(qtx_model_load(folder.qtx().c_str(), &model, error, sizeof error), QTX_OK) << error;
  qtx_session* session = nullptr;
  ASSERT_EQ(qtx_session_create(model, QTX_BACKEND_CPU, 0, &session, error, sizeof error), QTX_OK);
  float* values = nullptr;
  size_t size = 0;
  ASSERT_EQ(qtx_embed(session, "c api", 0, &values, &size, error, sizeof error), QTX_OK) << error;
  EXPECT_EQ(std::vector<float>(values, values + size), want);
  qtx_free(values);
  EXPECT_EQ(qtx_embed(session, nullptr, 0, &values, &size, error, sizeof error),
            QTX_INVALID_ARGUMENT);
  EXPECT_EQ(qtx_embed(session, "x", 100000, &values, &size, error, sizeof error),
            QTX_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("max_positions"), std::string::npos) << error;
  qtx_session_free(session);
  qtx_model_free(model);
}

// Cutting changes the answer of fill-mask, classification and generation prompts: too-long
// input is an error there unless truncation is asked for.
TEST(InputLimits, OtherTasksRefuseLongInputsUnlessTruncating) {
  testing::TempDir temp("limits");
  const fs::path bert = temp.path() / "bert.qtx";
  convert::convert_checkpoint(testing::shared_model_dir("bert4L-vanilla"), bert, {});
  const Session session(Model::load(bert.string()));
  const std::string text = "the capital of france is [MASK] and it is a large city";
  InputLimit limit{8, false};
  try {
    session.fill_mask({text}, 3, limit);
    ADD_FAILURE() << "a too-long fill-mask input ran";
  } catch (const Error& e) {
    expect_error(e, ErrorCode::kInvalidArgument, "maximum length of 8");
  }
  limit.truncate = true;
  const auto cut = session.fill_mask({text}, 3, limit);
  ASSERT_EQ(cut.at(0).size(), 1u);
  EXPECT_EQ(cut[0][0].position, 6);
  const testing::QtxRun refused =
      testing::run_qtx({"run", bert.string(), "--text", text, "--max-length", "8"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--truncate"), std::string::npos) << refused.err;
  const testing::QtxRun truncated = testing::run_qtx(
      {"run", bert.string(), "--text", text, "--max-length", "8", "--truncate", "--json"});
  EXPECT_EQ(truncated.exit_code, 0) << truncated.err;
  // A cut that loses the [MASK] says so.
  const testing::QtxRun lost =
      testing::run_qtx({"run", bert.string(), "--text", text, "--max-length", "4", "--truncate"});
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_NE(lost.err.find("[MASK]"), std::string::npos) << lost.err;
}

}  // namespace
}  // namespace qtx
