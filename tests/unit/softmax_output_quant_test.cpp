// `qtx convert --quantize w8a8 --quantize-softmax-output` end to end on a shared trained model:
// the written file has calibrated probs params on every Attention and records the flag in its
// recipe (shown by `qtx inspect`), the same conversion without the flag has neither, and the
// flag with a recipe that cannot take it is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/format/qtx_loader.h"
#include "engine/util/json.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kValid = fs::path(QTX_SHARED_DIR) / "data" / "wikitext2_valid.txt";

// bert4L-vanilla as static W8A8 calibrated on two sequences of 16 tokens, plus `extra` options.
testing::QtxRun convert_w8a8(const fs::path& out, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"convert",
                                   testing::shared_model_dir("bert4L-vanilla").string(),
                                   "-o",
                                   out.string(),
                                   "--quantize",
                                   "w8a8",
                                   "--calibration-data",
                                   kValid.string(),
                                   "--calibration-samples",
                                   "2",
                                   "--calibration-seq-len",
                                   "16"};
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::run_qtx(args);
}

std::vector<const fb::AttentionAttrsT*> attentions(const ModelDef& model) {
  std::vector<const fb::AttentionAttrsT*> out;
  for (const auto& node : model.graph().nodes) {
    if (const auto* attention = node->op.AsAttentionAttrs()) out.push_back(attention);
  }
  return out;
}

Json inspected_recipe(const fs::path& model) {
  const auto r = testing::run_qtx({"inspect", model.string(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(r.out, "inspect output").at("recipe");
}

TEST(SoftmaxOutputQuantTest, FlagQuantizesEveryAttentionsProbsAndRecordsIt) {
  testing::TempDir dir("softmax-output");
  const fs::path file = dir.path() / "probs.qtx";
  const auto r = convert_w8a8(file, {"--quantize-softmax-output"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto model = load_qtx(file);
  const auto found = attentions(*model);
  ASSERT_EQ(found.size(), 4u);
  for (const fb::AttentionAttrsT* attention : found) {
    ASSERT_TRUE(attention->probs_quant);
    EXPECT_FALSE(attention->scores_quant);
    const fb::QuantParamsT& q = *attention->probs_quant;
    ASSERT_EQ(q.scales.size(), 1u);
    ASSERT_EQ(q.zero_points.size(), 1u);
    // Calibrated on probabilities: the u8 grid spans at most [0, 1], up to one step of rounding.
    EXPECT_GT(q.scales[0], 0.0f);
    EXPECT_LE(q.scales[0] * static_cast<float>(q.qmax - q.zero_points[0]), 1.0f + q.scales[0]);
    EXPECT_LE(q.scales[0] * static_cast<float>(q.zero_points[0] - q.qmin), q.scales[0]);
  }
  EXPECT_EQ(model->desc.recipe->name, "w8a8");
  EXPECT_TRUE(model->desc.recipe->softmax_output_quantized);
  const Json recipe = inspected_recipe(file);
  EXPECT_TRUE(recipe.at("softmax_output_quantized").as_bool());
  EXPECT_THAT(recipe.at("description").as_string(), HasSubstr("softmax output quantized"));
}

TEST(SoftmaxOutputQuantTest, WithoutTheFlagTheProbsStayFloat) {
  testing::TempDir dir("softmax-output");
  const fs::path file = dir.path() / "default.qtx";
  const auto r = convert_w8a8(file, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto model = load_qtx(file);
  const auto found = attentions(*model);
  ASSERT_EQ(found.size(), 4u);
  for (const fb::AttentionAttrsT* attention : found) EXPECT_FALSE(attention->probs_quant);
  EXPECT_FALSE(model->desc.recipe->softmax_output_quantized);
  EXPECT_FALSE(inspected_recipe(file).at("softmax_output_quantized").as_bool());
}

TEST(SoftmaxOutputQuantTest, RecipesThatCannotTakeTheFlagAreRefused) {
  testing::TempDir dir("softmax-output");
  const fs::path file = dir.path() / "refused.qtx";
  const std::string checkpoint = testing::shared_model_dir("bert4L-vanilla").string();
  for (const char* mode : {"w8", "w8a8-dynamic"}) {
    const auto r = testing::run_qtx({"convert", checkpoint, "-o", file.string(), "--quantize", mode,
                                     "--quantize-softmax-output"});
    EXPECT_EQ(r.exit_code, 1) << mode;
    EXPECT_THAT(r.err, HasSubstr("--quantize-softmax-output")) << mode;
    EXPECT_THAT(r.err, HasSubstr(std::string("not ") + mode)) << mode;
  }
  const auto paper =
      testing::run_qtx({"convert", checkpoint, "-o", file.string(), "--preset", "paper",
                        "--calibration-data", kValid.string(), "--quantize-softmax-output"});
  EXPECT_EQ(paper.exit_code, 1);
  EXPECT_THAT(paper.err, HasSubstr("--preset paper quantizes the softmax output already"));
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
}  // namespace qtx
