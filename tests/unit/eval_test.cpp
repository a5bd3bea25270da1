// `qtx eval` on real shared models: perplexities equal Hugging Face's on the same windows and
// masks (tests/tools/check_perplexity.py wrote them to tests/data/eval/expected.json), masks
// are identical across models of one tokenizer, --compare measures what it says, and bad
// options are clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "converter/convert.h"
#include "engine/util/json.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

const std::string kText = std::string(QTX_SHARED_DIR) + "/data/wikitext2_test.txt";

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("eval");
    for (const char* name : {"bert4L-vanilla", "bert4L-gated", "opt4L-vanilla"}) {
      convert::convert_checkpoint(testing::shared_model_dir(name), model(name), {});
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string model(const std::string& name) {
    return (dir_->path() / (name + ".qtx")).string();
  }
  static std::string scratch(const std::string& name) { return (dir_->path() / name).string(); }

  // `qtx eval` of `name` on the options of a case recorded in expected.json, as parsed JSON.
  static Json eval_case(const std::string& name, std::vector<std::string> extra = {},
                        const std::string& case_name = "") {
    const Json& c = expected().at(case_name.empty() ? name : case_name);
    std::vector<std::string> args{"eval",
                                  model(name),
                                  "--text-file",
                                  kText,
                                  "--json",
                                  "--window",
                                  std::to_string(c.at("window").as_int()),
                                  "--max-windows",
                                  std::to_string(c.at("max_windows").as_int()),
                                  "--seed",
                                  std::to_string(c.at("seed").as_int())};
    args.insert(args.end(), extra.begin(), extra.end());
    const testing::QtxRun r = testing::run_qtx(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out, "eval output");
  }
  static const Json& expected() {
    static const Json json =
        Json::parse_file(std::string(QTX_TEST_DATA_DIR) + "/eval/expected.json");
    return json;
  }
  static testing::TempDir* dir_;
};
testing::TempDir* EvalCli::dir_ = nullptr;

void expect_hf_perplexity(const Json& ours, const Json& hf) {
  EXPECT_EQ(ours.at("tokens").as_int(), hf.at("tokens").as_int());
  EXPECT_EQ(ours.at("window").as_int(), hf.at("window").as_int());
  EXPECT_EQ(ours.at("windows").as_int(), hf.at("max_windows").as_int());
  const double want = hf.at("perplexity").as_number();
  EXPECT_NEAR(ours.at("perplexity").as_number() / want, 1.0, 1e-3) << want;
}

TEST_F(EvalCli, MaskedPerplexityEqualsHuggingFaceOnTheSameMasks) {
  expect_hf_perplexity(eval_case("bert4L-vanilla"), expected().at("bert4L-vanilla"));
}

TEST_F(EvalCli, CausalPerplexityEqualsHuggingFace) {
  expect_hf_perplexity(eval_case("opt4L-vanilla"), expected().at("opt4L-vanilla"));
}

TEST_F(EvalCli, MasksAreIdenticalForModelsSharingATokenizer) {
  const std::vector<std::string> base{"--text-file", kText, "--max-windows", "4"};
  auto dump = [&](const std::string& name, const std::string& file, const std::string& seed) {
    std::vector<std::string> args{"eval", model(name),      "--seed",
                                  seed,   "--dump-windows", scratch(file)};
    args.insert(args.end(), base.begin(), base.end());
    EXPECT_EQ(testing::run_qtx(args).exit_code, 0);
    return testing::file_text(scratch(file));
  };
  const std::string vanilla = dump("bert4L-vanilla", "vanilla.json", "5");
  EXPECT_EQ(vanilla, dump("bert4L-gated", "gated.json", "5"));
  EXPECT_NE(vanilla, dump("bert4L-vanilla", "other_seed.json", "6"));
  const Json windows = Json::parse(vanilla, "dump").at("windows");
  ASSERT_EQ(windows.as_array().size(), 4u);
  EXPECT_EQ(windows.as_array()[0].at("input_ids").as_array().size(), 128u);
}

TEST_F(EvalCli, CompareReportsBothModelsOnIdenticalInputs) {
  const Json gated = eval_case("bert4L-gated", {}, "bert4L-vanilla");
  const Json both = eval_case("bert4L-vanilla", {"--compare", model("bert4L-gated")});
  const Json& compare = both.at("compare");
  const double ours = both.at("perplexity").as_number();
  const double other = compare.at("perplexity").as_number();
  EXPECT_NEAR(other / gated.at("perplexity").as_number(), 1.0, 1e-6);
  EXPECT_NEAR(compare.at("relative_change").as_number(), other / ours - 1.0, 1e-12);
  // Two differently trained models: their logits differ by a large fraction of their norm.
  EXPECT_GT(compare.at("logits_rel_error_mean").as_number(), 0.1);
  EXPECT_GE(compare.at("logits_rel_error_max").as_number(),
            compare.at("logits_rel_error_mean").as_number());

  const Json self = eval_case("bert4L-vanilla", {"--compare", model("bert4L-vanilla")});
  // One file loaded twice: the same numbers up to the run-to-run noise of threaded kernels.
  EXPECT_NEAR(self.at("compare").at("relative_change").as_number(), 0.0, 1e-6);
  EXPECT_LT(self.at("compare").at("logits_rel_error_max").as_number(), 1e-6);
}

TEST_F(EvalCli, CompareRefusesAnotherTokenizer) {
  const testing::QtxRun r = testing::run_qtx(
      {"eval", model("bert4L-vanilla"), "--text-file", kText, "--compare", model("opt4L-vanilla")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("qtx: error: compare: "), std::string::npos) << r.err;
}

TEST_F(EvalCli, BadOptionsAreClearErrors) {
  const std::string empty = scratch("empty.txt");
  std::ofstream(empty) << " \n\n";
  const std::string bert = model("bert4L-vanilla");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"eval", bert, "--text-file", kText, "--window", "3"}, 2, "--window"},
      {{"eval", bert, "--text-file", kText, "--window", "513"}, 1, "exceeds the 512 positions"},
      {{"eval", bert, "--text-file", empty}, 1, "no tokens"},
      {{"eval", bert, "--text-file", "/nonexistent.txt"}, 2, "--text-file"},
      {{"eval", bert}, 2, "--text-file"},
      {{"eval", "/nonexistent.qtx", "--text-file", kText}, 2, "model"},
      {{"eval", bert, "--text-file", kText, "--mask-prob", "2"}, 2, "--mask-prob"},
  };
  for (const Case& c : cases) {
    const testing::QtxRun r = testing::run_qtx(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace qtx
