#include "converter/quant_recipe.h"

#include <cstdio>
#include <filesystem>

#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr int kMaxCalibrationSamples = 1 << 20;
constexpr int kMaxSequenceLength = 1 << 20;
constexpr int kPaperBertBatches = 16;
constexpr int kPaperOptBatches = 4;
constexpr double kPaperOptPercentile = 99.999;

[[noreturn]] void bad_option(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, "quantize: " + message);
}

ActivationMode activation_mode(const std::string& mode) {
  if (mode == "w8") return ActivationMode::kNone;
  if (mode == "w8a8") return ActivationMode::kStatic;
  if (mode == "w8a8-dynamic") return ActivationMode::kDynamic;
  bad_option("unknown mode '" + mode + "' (expected w8, w8a8 or w8a8-dynamic)");
}

WeightGranularity weight_granularity(const std::string& text) {
  if (text == "per-channel") return WeightGranularity::kPerChannel;
  if (text == "per-tensor") return WeightGranularity::kPerTensor;
  bad_option("weights '" + text + "' (expected per-channel or per-tensor)");
}

void apply_paper_preset(const QuantizeOptions& options, fb::Family family, QuantRecipe& recipe) {
  if (!options.mode.empty() && options.mode != "w8a8") {
    bad_option("--preset paper is a w8a8 recipe, not " + options.mode);
  }
  if (options.weights || options.estimator || options.symmetric_activations ||
      options.calibration_samples) {
    bad_option(
        "--preset paper fixes weights, estimator, activation symmetry and calibration samples;"
        " leave those options out");
  }
  if (options.quantize_softmax_output) {
    bad_option(
        "--preset paper quantizes the softmax output already; leave --quantize-softmax-output"
        " out");
  }
  const bool opt = family == fb::Family::Opt;
  recipe.name = "paper";
  recipe.activations = ActivationMode::kStatic;
  recipe.placement = Placement::kPaper;
  recipe.quantize_softmax_output = true;
  recipe.weights = WeightGranularity::kPerTensor;
  recipe.weight_range = opt ? WeightRange::kMse : WeightRange::kAbsMax;
  recipe.estimator = opt ? EstimatorSpec{EstimatorKind::kPercentile, kPaperOptPercentile}
                         : EstimatorSpec{EstimatorKind::kRunningMinMax, 0.0};
  recipe.calibration_samples =
      recipe.calibration_batch * (opt ? kPaperOptBatches : kPaperBertBatches);
  recipe.keep_float.push_back("logits");
}

// The softmax-output quantizer is static (calibrated): w8 and w8a8-dynamic cannot take it.
void check_softmax_output_option(const QuantizeOptions& options, ActivationMode activations) {
  if (!options.quantize_softmax_output || activations == ActivationMode::kStatic) return;
  bad_option(
      "--quantize-softmax-output adds a calibrated quantizer and needs --quantize w8a8, not " +
      options.mode +
      (activations == ActivationMode::kNone
           ? " (it quantizes no activations)"
           : " (it quantizes only Linear inputs, per token at run time)"));
}

void check_calibration(const QuantizeOptions& options, const QuantRecipe& recipe) {
  if (recipe.calibration_samples < 1 || recipe.calibration_samples > kMaxCalibrationSamples) {
    bad_option("--calibration-samples " + std::to_string(recipe.calibration_samples) +
               " is not in [1, " + std::to_string(kMaxCalibrationSamples) + "]");
  }
  if (options.calibration_seq_len < 2 || options.calibration_seq_len > kMaxSequenceLength) {
    bad_option("--calibration-seq-len " + std::to_string(options.calibration_seq_len) +
               " is not in [2, " + std::to_string(kMaxSequenceLength) + "]");
  }
  if (recipe.activations == ActivationMode::kStatic && options.calibration_data.empty()) {
    bad_option("recipe '" + recipe.name +
               "' quantizes activations statically and needs --calibration-data FILE (a text "
               "file such as wikitext2_valid.txt; never the evaluation text)");
  }
}

std::string static_description(const QuantRecipe& recipe, const std::string& granularity) {
  return "int8 weights (" + granularity + "), static " +
         (recipe.symmetric_activations ? "symmetric s8" : "asymmetric u8") +
         " per-tensor activations calibrated with " + recipe.estimator.name() +
         (recipe.placement == Placement::kPaper ? ", quantizers placed as in Bondarenko et al. 2023"
                                                : "") +
         (recipe.quantize_softmax_output ? ", softmax output quantized"
                                         : ", softmax output kept float");
}

}  // namespace

QuantRecipe resolve_recipe(const QuantizeOptions& options, fb::Family family) {
  if (!options.requested()) bad_option("no quantization mode or preset given");
  if (options.mode.empty() && options.preset.empty()) {
    bad_option("--quantize-softmax-output needs --quantize w8a8");  // given alone
  }
  QuantRecipe recipe;
  if (options.preset == "paper") {
    apply_paper_preset(options, family, recipe);
  } else if (!options.preset.empty()) {
    bad_option("unknown preset '" + options.preset + "' (expected paper)");
  } else {
    recipe.name = options.mode;
    recipe.activations = activation_mode(options.mode);
    check_softmax_output_option(options, recipe.activations);
    if (options.weights) recipe.weights = weight_granularity(*options.weights);
    if (options.estimator) recipe.estimator = EstimatorSpec::parse(*options.estimator);
    recipe.symmetric_activations = options.symmetric_activations;
    recipe.quantize_softmax_output = options.quantize_softmax_output;
    if (options.calibration_samples) recipe.calibration_samples = *options.calibration_samples;
  }
  if (options.outlier_ratio && recipe.activations != ActivationMode::kDynamic) {
    bad_option("--outlier-ratio needs --quantize w8a8-dynamic");
  }
  if (options.outlier_ratio && !(*options.outlier_ratio >= 0.0f && *options.outlier_ratio < 1e6f)) {
    bad_option("--outlier-ratio must be in [0, 1e6)");
  }
  if (recipe.activations == ActivationMode::kDynamic) {
    recipe.outlier_ratio = options.outlier_ratio.value_or(kDefaultOutlierRatio);
  }
  recipe.keep_float.insert(recipe.keep_float.end(), options.keep_float.begin(),
                           options.keep_float.end());
  recipe.calibration_data = options.calibration_data;
  recipe.calibration_seq_len = options.calibration_seq_len;
  check_calibration(options, recipe);
  return recipe;
}

std::unique_ptr<fb::QuantRecipeT> describe_recipe(const QuantRecipe& recipe, int samples_used) {
  auto out = std::make_unique<fb::QuantRecipeT>();
  const bool static_acts = recipe.activations == ActivationMode::kStatic;
  out->name = recipe.name;
  out->weights = DType::I8;
  out->weight_granularity =
      recipe.weights == WeightGranularity::kPerChannel ? "per-channel" : "per-tensor";
  switch (recipe.activations) {
    case ActivationMode::kNone:
      out->activations = DType::F32;
      out->activation_mode = "none";
      out->description = "int8 weights (" + out->weight_granularity + "), float32 activations";
      break;
    case ActivationMode::kStatic:
      out->activations = recipe.symmetric_activations ? DType::I8 : DType::U8;
      out->activation_mode = "static";
      out->description = static_description(recipe, out->weight_granularity);
      break;
    case ActivationMode::kDynamic:
      out->activations = DType::U8;
      out->activation_mode = "dynamic";
      out->description = "int8 weights (" + out->weight_granularity +
                         "), Linear inputs quantized per token at run time (asymmetric u8)";
      if (recipe.outlier_ratio > 0.0f) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%g", static_cast<double>(recipe.outlier_ratio));
        out->description += ", outlier columns in float (ratio " + std::string(ratio) + ")";
      }
      out->outlier_ratio = recipe.outlier_ratio;
      break;
  }
  out->activation_symmetric = static_acts && recipe.symmetric_activations;
  out->softmax_output_quantized = static_acts && recipe.quantize_softmax_output;
  if (static_acts) {
    out->estimator = recipe.estimator.name();
    out->calibration_data = std::filesystem::path(recipe.calibration_data).filename().string();
    out->calibration_samples = samples_used;
  }
  out->keep_float = recipe.keep_float;
  return out;
}

}  // namespace qtx::convert
