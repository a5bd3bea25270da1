// Quantization recipes (issue 3): what the user asked for (QuantizeOptions, as `qtx convert`
// takes it) resolved into one complete, checked QuantRecipe, and its record in the .qtx file
// (fb::QuantRecipeT). DESIGN.md, "Quantization semantics".
// - "w8": int8 weights, float activations (weight-only).
// - "w8a8": int8 weights, static int8 activations from calibration, placed as the paper's W8A8
//   (inputs of quantized Linears, Q/K/V, residual sums; the softmax output stays float, see
//   quantize_plan.h, unless --quantize-softmax-output asks for the exact setting).
// - "w8a8-dynamic": int8 weights, every quantized Linear quantizes its input per token at run
//   time (LinearAttrs.dynamic_quant); no calibration, and Q/K/V/probs stay float because the
//   contract's dynamic quantization exists only for Linear inputs.
// - preset "paper": the paper's own setting (see resolve_recipe).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "converter/calib_estimator.h"
#include "converter/quantize_params.h"
#include "qtx_generated.h"

namespace qtx::convert {

// As given on the command line; an unset optional means "not given" (the preset decides).
struct QuantizeOptions {
  std::string mode;                      // "" (no quantization), "w8", "w8a8", "w8a8-dynamic"
  std::string preset;                    // "" or "paper"
  std::optional<std::string> weights;    // "per-channel" | "per-tensor"
  std::optional<std::string> estimator;  // EstimatorSpec::parse's forms
  bool symmetric_activations = false;
  bool quantize_softmax_output = false;  // w8a8 only: a static quantizer on every Attention's probs
  std::vector<std::string> keep_float;   // fnmatch patterns over node and weight names
  std::string calibration_data;          // a text file
  std::optional<int> calibration_samples;
  int calibration_seq_len = 128;
  // w8a8-dynamic only: the LLM.int8()-style outlier columns' ratio (0 turns them off).
  std::optional<float> outlier_ratio;

  // The softmax-output flag counts: alone it is an error, never a silent float conversion.
  bool requested() const { return !mode.empty() || !preset.empty() || quantize_softmax_output; }
};

enum class ActivationMode { kNone, kStatic, kDynamic };
// Where static quantizers go: the W8A8 default, or the paper's own placement.
enum class Placement { kDefault, kPaper };

struct QuantRecipe {
  std::string name;
  ActivationMode activations = ActivationMode::kStatic;
  Placement placement = Placement::kDefault;
  WeightGranularity weights = WeightGranularity::kPerChannel;
  WeightRange weight_range = WeightRange::kAbsMax;
  EstimatorSpec estimator;
  bool symmetric_activations = false;
  // Static quantizers on every Attention's softmax output ("probs"): the paper preset's, or the
  // default placement's with --quantize-softmax-output.
  bool quantize_softmax_output = false;
  std::vector<std::string> keep_float;
  std::string calibration_data;
  int calibration_samples = 128;
  int calibration_seq_len = 128;
  // Calibration batches hold this many sequences; the paper preset's 16 (BERT) or 4 (OPT)
  // batches are 16 or 4 batches of this size.
  int calibration_batch = 8;
  // Dynamic Linears: input columns with |x| > outlier_ratio * rms(row) per call, and the
  // columns where a few weights dwarf their row, are multiplied in float (LinearAttrs);
  // 0: none.
  float outlier_ratio = 0.0f;
};

// The dynamic recipe's default outlier ratio: a Gaussian row of a few hundred channels peaks
// near 3-3.5 rms, all-MiniLM-L6-v2's outlier channel sits at ~20 rms of its [CLS] row. On its
// golden sentences 6 keeps the worst cosine at 0.9984 (4: 0.9983; off: 0.9924) and costs less
// time than lower ratios, which send more columns to float.
inline constexpr float kDefaultOutlierRatio = 6.0f;

// Checks the options and fills the recipe. The paper preset (w8a8 only) fixes: weights per
// tensor (absmax for BERT, MSE for OPT), activations asymmetric static per tensor, running
// min-max over 16 batches for BERT, the 99.999th percentile over 4 batches for OPT, the
// paper's quantizer placement (the softmax output included), and the output head ("logits") in
// float; giving --weights, --estimator, --symmetric-activations, --calibration-samples or
// --quantize-softmax-output with it is an error. --quantize-softmax-output needs w8a8 (static):
// w8 quantizes no activation and w8a8-dynamic only Linear inputs. Static recipes without
// calibration data are refused. Errors are kInvalidArgument.
QuantRecipe resolve_recipe(const QuantizeOptions& options, fb::Family family);

// The .qtx record; `samples_used` is how many calibration sequences the ranges came from.
std::unique_ptr<fb::QuantRecipeT> describe_recipe(const QuantRecipe& recipe, int samples_used);

}  // namespace qtx::convert
