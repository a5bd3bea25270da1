// Calibration (converter/calib_data.h, converter/calib_runner.h) and the whole int8 conversion
// of a shared trained model: sequences framed as each model expects and chosen
// reproducibly, refusals of empty data, ranges equal to what the float model computes over the
// values real tokens see, a bert4L-vanilla w8a8 file that writes and loads, and the size bound
// of int8 files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "converter/calib_data.h"
#include "converter/calib_runner.h"
#include "converter/calib_visible.h"
#include "converter/convert.h"
#include "converter/tokenizer_files.h"
#include "engine/format/qtx_loader.h"
#include "engine/runtime/executor.h"
#include "engine/text/tokenizer_factory.h"
#include "qtx/error.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx::convert {
namespace {

namespace fs = std::filesystem;
using testing_model::ScratchDir;

const fs::path kModels = fs::path(QTX_SHARED_DIR) / "models";
const fs::path kValid = fs::path(QTX_SHARED_DIR) / "data" / "wikitext2_valid.txt";

const std::string kText =
    "The quick brown fox jumps over the lazy dog. A second sentence follows here, and then "
    "a third one with some numbers: 1, 2, 3 and 42.";

fs::path write_text(const ScratchDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

TEST(CalibrationTest, BertSequencesAreFramedPiecesOfTheTokenStream) {
  ScratchDir dir;
  const auto tokenizer = read_tokenizer(kModels / "bert4L-vanilla");
  const std::vector<int32_t> ids = text::make_tokenizer(*tokenizer)->encode(kText);
  const fs::path file = write_text(dir, "c.txt", kText);
  const int length = 6;  // [CLS] + 4 tokens + [SEP]
  const auto sequences = calibration_sequences(file, *tokenizer, 3, length, false);
  ASSERT_EQ(sequences.size(), 3u);
  std::set<size_t> pieces;
  for (const auto& s : sequences) {
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(s.front(), tokenizer->cls_id);
    EXPECT_EQ(s.back(), tokenizer->sep_id);
    const auto at = std::search(ids.begin(), ids.end(), s.begin() + 1, s.end() - 1);
    ASSERT_NE(at, ids.end());
    EXPECT_EQ((at - ids.begin()) % 4, 0);  // pieces start on multiples of 4
    pieces.insert(static_cast<size_t>(at - ids.begin()) / 4);
  }
  EXPECT_EQ(pieces.size(), 3u);  // three different pieces
  EXPECT_EQ(calibration_sequences(file, *tokenizer, 3, length, false), sequences);
  EXPECT_EQ(calibration_sequences(file, *tokenizer, 1000, length, false).size(), ids.size() / 4);
}

// Masked-LM calibration masks about 15% of the text tokens, 80% of those to [MASK], never the
// framing, reproducibly.
TEST(CalibrationTest, MaskedLmSequencesAreMaskedAsInTraining) {
  const auto tokenizer = read_tokenizer(kModels / "bert4L-vanilla");
  const auto plain = calibration_sequences(kValid, *tokenizer, 64, 128, false);
  const auto masked = calibration_sequences(kValid, *tokenizer, 64, 128, true);
  ASSERT_EQ(plain.size(), masked.size());
  double text = 0, changed = 0, to_mask = 0;
  for (size_t s = 0; s < plain.size(); ++s) {
    EXPECT_EQ(masked[s].front(), tokenizer->cls_id);
    EXPECT_EQ(masked[s].back(), tokenizer->sep_id);
    for (size_t t = 1; t + 1 < plain[s].size(); ++t) {
      ++text;
      changed += masked[s][t] != plain[s][t];
      to_mask += masked[s][t] == tokenizer->mask_id;
    }
  }
  EXPECT_NEAR(to_mask / text, 0.15 * 0.8, 0.01);
  EXPECT_NEAR(changed / text, 0.15 * 0.9, 0.01);  // 10% of the chosen are kept as they were
  EXPECT_EQ(calibration_sequences(kValid, *tokenizer, 64, 128, true), masked);
}

TEST(CalibrationTest, OptSequencesStartWithBos) {
  ScratchDir dir;
  const auto tokenizer = read_tokenizer(kModels / "opt4L-vanilla");
  const auto sequences =
      calibration_sequences(write_text(dir, "c.txt", kText), *tokenizer, 2, 5, false);
  ASSERT_EQ(sequences.size(), 2u);
  for (const auto& s : sequences) {
    ASSERT_EQ(s.size(), 5u);
    EXPECT_EQ(s.front(), tokenizer->bos_id);
    EXPECT_NE(s.back(), tokenizer->eos_id);
  }
}

TEST(CalibrationTest, ShortTextGivesOneShorterSequence) {
  ScratchDir dir;
  const auto tokenizer = read_tokenizer(kModels / "bert4L-vanilla");
  const auto sequences =
      calibration_sequences(write_text(dir, "c.txt", "hello world"), *tokenizer, 128, 128, false);
  ASSERT_EQ(sequences.size(), 1u);
  EXPECT_EQ(sequences[0].size(), 4u);  // [CLS] hello world [SEP]
}

TEST(CalibrationTest, RefusesToCalibrateOnNothing) {
  ScratchDir dir;
  const auto tokenizer = read_tokenizer(kModels / "bert4L-vanilla");
  for (const char* text : {"", "  \n\t \n"}) {
    try {
      calibration_sequences(write_text(dir, "empty.txt", text), *tokenizer, 8, 16, true);
      FAIL() << "calibrated on nothing";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("empty.txt holds no text"), std::string::npos)
          << e.what();
    }
  }
  try {
    calibration_sequences(dir / "missing.txt", *tokenizer, 8, 16, true);
    FAIL() << "read a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
  }
  EXPECT_THROW(calibration_sequences(write_text(dir, "c.txt", kText), *tokenizer, 8, 2, true),
               Error);
}

// Values 0, 1, 2, ... in a tensor of `shape`, so each kept value names its own position.
Tensor counting(const Shape& shape) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// Two sequences of 3 tokens, the second one padded after 2.
const std::vector<int32_t> kTwoSequencesMask = {1, 1, 1, 1, 1, 0};
const BatchMask kMask{kTwoSequencesMask.data(), 2, 3};

TEST(CalibrationTest, ObservedTokenRowsLeaveOutPadding) {
  // [2, 3, 2]: rows (b, t) hold 2 * (3b + t) and 2 * (3b + t) + 1; row (1, 2) is padding.
  EXPECT_EQ(visible_values(counting({2, 3, 2}), "output", kMask, false),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // A per-sequence value (a pooled [batch, H]) is kept whole.
  EXPECT_EQ(visible_values(counting({2, 3}), "output", kMask, false),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(CalibrationTest, ObservedAttentionEntriesAreOnlyThoseAQuerySees) {
  // [2, 1, 3, 3]: entry (b, i, t) holds 9b + 3i + t.
  const Tensor probs = counting({2, 1, 3, 3});
  // Causal: t <= i; sequence 1's padded key 2 and padded query 2 are out.
  EXPECT_EQ(visible_values(probs, "probs", kMask, true),
            (std::vector<float>{0, 3, 4, 6, 7, 8, 9, 12, 13}));
  // Bidirectional: every real key of every real query.
  EXPECT_EQ(visible_values(probs, "scores", kMask, false),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13}));
}

TEST(CalibrationTest, ObservedValuesOfAnotherBatchAreAnInternalError) {
  for (const auto& [shape, what] :
       std::vector<std::pair<Shape, std::string>>{{{2, 4, 2}, "output"},
                                                  {{1, 3, 2}, "output"},
                                                  {{2, 1, 3, 4}, "probs"},
                                                  {{2, 3, 3}, "scores"}}) {
    try {
      visible_values(counting(shape), what, kMask, true);
      ADD_FAILURE() << shape_string(shape) << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInternal);
      EXPECT_NE(std::string(e.what()).find("does not fit a batch of 2 x 3 tokens"),
                std::string::npos)
          << e.what();
    }
  }
}

// A causal model's observed probabilities hold a 0 for every key a query cannot see (about
// half of them); calibration leaves those out, so the min-max range of a softmax output over
// short sequences starts above 0 (no visible probability underflows), and ends at exactly 1
// (the first query sees only itself).
TEST(CalibrationTest, CausalProbsRangesHoldOnlyVisibleProbabilities) {
  auto model = std::make_shared<const ModelDef>(build_model(kModels / "opt4L-vanilla", {}));
  QuantRecipe recipe;
  recipe.name = "w8a8";
  recipe.calibration_data = kValid.string();
  recipe.calibration_samples = 2;
  recipe.calibration_seq_len = 16;
  std::vector<QuantPoint> points;
  for (size_t n = 0; n < model->graph().nodes.size(); ++n) {
    if (model->graph().nodes[n]->op.AsAttentionAttrs())
      points.push_back({static_cast<int>(n), "probs"});
  }
  ASSERT_EQ(points.size(), 4u);
  const Calibration calibration = calibrate(model, points, recipe, {});
  for (const ValueRange& r : calibration.ranges) {
    EXPECT_GT(r.min, 0.0f);
    EXPECT_EQ(r.max, 1.0f);
  }
}

// The min-max range calibration records for the last LayerNorm equals the min and max of the
// hidden states the float model returns for the same sequences.
TEST(CalibrationTest, MinMaxRangeEqualsTheFloatModelsValues) {
  ConvertOptions float_options;
  auto model =
      std::make_shared<const ModelDef>(build_model(kModels / "bert4L-vanilla", float_options));
  QuantRecipe recipe;
  recipe.name = "w8a8";
  recipe.calibration_data = kValid.string();
  recipe.calibration_samples = 10;  // two batches of 8, the second partial
  recipe.calibration_seq_len = 32;
  int last_norm = -1;
  for (size_t n = 0; n < model->graph().nodes.size(); ++n) {
    if (model->graph().nodes[n]->name == "layer.3.output.norm") last_norm = static_cast<int>(n);
  }
  ASSERT_GE(last_norm, 0);
  const Calibration calibration = calibrate(model, {{last_norm, "output"}}, recipe, {});
  EXPECT_EQ(calibration.sequences, 10);
  ASSERT_EQ(calibration.ranges.size(), 1u);

  const auto sequences = calibration_sequences(kValid, *model->desc.tokenizer, 10, 32, true);
  const Executor executor(model, ExecutorOptions{});
  float lo = INFINITY, hi = -INFINITY;
  for (size_t first = 0; first < sequences.size(); first += 8) {
    const auto count = static_cast<int64_t>(std::min<size_t>(8, sequences.size() - first));
    RunInputs inputs{Tensor(DType::I32, {count, 32}), Tensor(DType::I32, {count, 32})};
    for (int64_t b = 0; b < count; ++b) {
      for (int64_t t = 0; t < 32; ++t) {
        inputs.input_ids.data<int32_t>()[b * 32 + t] =
            sequences[first + static_cast<size_t>(b)][static_cast<size_t>(t)];
        inputs.attention_mask.data<int32_t>()[b * 32 + t] = 1;
      }
    }
    const Tensor hidden = executor.run(inputs, nullptr)[1];
    const float* h = hidden.data<float>();
    lo = std::min(lo, *std::min_element(h, h + hidden.numel()));
    hi = std::max(hi, *std::max_element(h, h + hidden.numel()));
  }
  EXPECT_EQ(calibration.ranges[0].min, lo);
  EXPECT_EQ(calibration.ranges[0].max, hi);
}

TEST(CalibrationTest, Bert4LW8A8WritesAndLoads) {
  ScratchDir dir;
  const fs::path checkpoint = kModels / "bert4L-vanilla";
  ConvertOptions float_options;
  convert_checkpoint(checkpoint, dir / "f32.qtx", float_options);
  ConvertOptions options;
  options.quantize.mode = "w8a8";
  options.quantize.calibration_data = kValid.string();
  options.quantize.calibration_samples = 4;
  options.quantize.calibration_seq_len = 64;
  convert_checkpoint(checkpoint, dir / "int8.qtx", options);

  const auto model = load_qtx(dir / "int8.qtx");
  const fb::QuantRecipeT& recipe = *model->desc.recipe;
  EXPECT_EQ(recipe.name, "w8a8");
  EXPECT_EQ(recipe.calibration_data, "wikitext2_valid.txt");
  EXPECT_EQ(recipe.calibration_samples, 4);
  int int8_weights = 0, quantized_activations = 0;
  for (const auto& t : model->graph().tensors) {
    if (t->constant && t->dtype == DType::I8) ++int8_weights;
    if (!t->constant && t->quant) ++quantized_activations;
  }
  // 6 per layer, the MLM transform, the tied word table, the position and token-type tables.
  EXPECT_EQ(int8_weights, 4 * 6 + 4);
  EXPECT_GT(quantized_activations, 4 * 8);
}

// The int8 file of a shared model over its float32 file, both written here; the int8 one is
// calibrated on `samples` sequences of 16 tokens (the size does not depend on them).
double int8_size_ratio(const std::string& model, int samples) {
  ScratchDir dir;
  const fs::path checkpoint = kModels / model;
  convert_checkpoint(checkpoint, dir / "f32.qtx", ConvertOptions{});
  ConvertOptions options;
  options.quantize.mode = "w8a8";
  options.quantize.calibration_data = kValid.string();
  options.quantize.calibration_samples = samples;
  options.quantize.calibration_seq_len = 16;
  convert_checkpoint(checkpoint, dir / "int8.qtx", options);
  // Loading maps the weights: every int8 constant is used in place, never copied.
  const auto loaded = load_qtx(dir / "int8.qtx");
  for (size_t i = 0; i < loaded->constants.size(); ++i) {
    if (loaded->graph().tensors[i]->dtype == DType::I8) {
      EXPECT_TRUE(loaded->constants[i].is_view()) << loaded->graph().tensors[i]->name;
    }
  }
  return static_cast<double>(fs::file_size(dir / "int8.qtx")) /
         static_cast<double>(fs::file_size(dir / "f32.qtx"));
}

// The word table is int8 itself, shared by the Embedding and the tied head (converter/
// quantize.h): with it kept float32 for the Embedding the int8 file was 102% of the float32
// file; 28% with it int8, 27% with the position and token-type tables int8 as well.
TEST(CalibrationTest, Bert4LW8A8IsAtMost30PercentOfFloat32) {
  const double ratio = int8_size_ratio("bert4L-vanilla", 2);
  EXPECT_LE(ratio, 0.30) << "int8 file is " << ratio << " of the float32 file";
}

// opt4L's learned position table [2050, 192] kept float32 made its int8 file 30.7% of the
// float32 one; int8 per row it is 28% (the rest over a quarter is the 1.8 MB BPE tokenizer,
// which int8 weights cannot shrink).
TEST(CalibrationTest, Opt4LW8A8IsAtMost30PercentOfFloat32) {
  const double ratio = int8_size_ratio("opt4L-vanilla", 2);
  EXPECT_LE(ratio, 0.30) << "int8 file is " << ratio << " of the float32 file";
}

}  // namespace
}  // namespace qtx::convert
