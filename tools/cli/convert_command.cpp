// `qtx convert CHECKPOINT_DIR -o MODEL.qtx`: a Hugging Face checkpoint directory to a .qtx
// file, float or quantized (--quantize w8|w8a8|w8a8-dynamic, --preset paper; the options are
// those of converter/quant_recipe.h). The converter writes atomically, so a failed conversion
// never clobbers MODEL.qtx.
#include <iostream>
#include <memory>

#include "converter/convert.h"
#include "qtx/error.h"
#include "tools/cli/commands.h"

namespace qtx::cli {
namespace {

struct ConvertCommandOptions {
  std::string checkpoint_dir;
  std::string out;
  std::string dtype = "float32";
  std::string softmax;
  convert::QuantizeOptions quantize;
  // Filled by CLI11; moved into `quantize` as "given" only when the option appeared.
  std::string weights, estimator;
  int calibration_samples = 128;
  CLI::Option* weights_option = nullptr;
  CLI::Option* estimator_option = nullptr;
  CLI::Option* samples_option = nullptr;
  float outlier_ratio = 0.0f;
  CLI::Option* outlier_option = nullptr;
};

bool is_number(const std::string& text) {
  try {
    size_t used = 0;
    (void)std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

// "vanilla" or "clipped(gamma:zeta)" with two numbers, checked here so a typo is a usage error.
CLI::Validator softmax_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (value == "vanilla") return "";
        const std::string prefix = "clipped(";
        const size_t colon = value.find(':');
        const bool ok = value.rfind(prefix, 0) == 0 && value.back() == ')' &&
                        colon != std::string::npos &&
                        is_number(value.substr(prefix.size(), colon - prefix.size())) &&
                        is_number(value.substr(colon + 1, value.size() - colon - 2));
        return ok ? "" : "expected vanilla or clipped(gamma:zeta), got '" + value + "'";
      },
      "vanilla|clipped(gamma:zeta)");
}

// "minmax", "running-minmax", "mse" or "percentile:P", checked here so a typo is a usage error.
CLI::Validator estimator_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          (void)convert::EstimatorSpec::parse(value);
          return "";
        } catch (const Error& e) {
          return e.what();
        }
      },
      "minmax|running-minmax|percentile:P|mse");
}

convert::QuantizeOptions quantize_options(const ConvertCommandOptions& o) {
  convert::QuantizeOptions q = o.quantize;
  if (o.weights_option->count() > 0) q.weights = o.weights;
  if (o.estimator_option->count() > 0) q.estimator = o.estimator;
  if (o.samples_option->count() > 0) q.calibration_samples = o.calibration_samples;
  if (o.outlier_option->count() > 0) q.outlier_ratio = o.outlier_ratio;
  return q;
}

void convert(const ConvertCommandOptions& o) {
  convert::ConvertOptions options;
  options.dtype = o.dtype == "float16" ? DType::F16 : DType::F32;
  options.softmax = o.softmax;
  options.quantize = quantize_options(o);
  options.progress = [](const std::string& step) { std::cerr << "qtx convert: " << step << "\n"; };
  convert::convert_checkpoint(o.checkpoint_dir, o.out, options);
  std::cerr << "qtx convert: wrote " << o.out << "\n";
}

void add_quantize_options(CLI::App& cmd, ConvertCommandOptions& o) {
  convert::QuantizeOptions& q = o.quantize;
  cmd.add_option("--quantize", q.mode, "int8 recipe: w8a8 (static), w8a8-dynamic or w8")
      ->check(CLI::IsMember({"w8a8", "w8a8-dynamic", "w8"}));
  cmd.add_option("--preset", q.preset, "paper: the W8A8 setting of Bondarenko et al. 2023")
      ->check(CLI::IsMember({"paper"}));
  cmd.add_option("--calibration-data", q.calibration_data,
                 "text file to calibrate static activation ranges on (e.g. wikitext2_valid.txt)")
      ->check(CLI::ExistingFile);
  o.samples_option = cmd.add_option("--calibration-samples", o.calibration_samples,
                                    "calibration sequences (default 128)")
                         ->check(CLI::Range(1, 1 << 20));
  cmd.add_option("--calibration-seq-len", q.calibration_seq_len,
                 "tokens per calibration sequence, framing included (default 128)")
      ->check(CLI::Range(2, 1 << 20));
  o.estimator_option =
      cmd.add_option("--estimator", o.estimator, "activation range estimator (default minmax)")
          ->check(estimator_validator());
  o.weights_option =
      cmd.add_option("--weights", o.weights, "weight scales: per-channel (default) or per-tensor")
          ->check(CLI::IsMember({"per-channel", "per-tensor"}));
  cmd.add_flag("--symmetric-activations", q.symmetric_activations,
               "static activations as symmetric s8 instead of asymmetric u8");
  cmd.add_flag("--quantize-softmax-output", q.quantize_softmax_output,
               "w8a8: quantize every attention's softmax output too (float by default; costs "
               "perplexity on long causal windows)");
  o.outlier_option =
      cmd.add_option("--outlier-ratio", o.outlier_ratio,
                     "w8a8-dynamic: input columns with |x| above this many times their row's rms, "
                     "and columns of outlier weights, run in float (default 6; 0: off)")
          ->check(CLI::Range(0.0f, 1.0e6f));
  cmd.add_option("--keep-float", q.keep_float,
                 "glob over node or weight names of Linears to keep in float (e.g. 'logits')");
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto o = std::make_shared<ConvertCommandOptions>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a Hugging Face checkpoint to .qtx");
  cmd->add_option("checkpoint", o->checkpoint_dir, "checkpoint directory (config.json, weights)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--output", o->out, "the .qtx file to write")->required();
  cmd->add_option("--dtype", o->dtype, "weight type: float32 or float16")
      ->check(CLI::IsMember({"float32", "float16"}));
  cmd->add_option("--softmax", o->softmax, "override config.json's attention softmax")
      ->check(softmax_validator());
  add_quantize_options(*cmd, *o);
  cmd->callback([o] { convert(*o); });
}

}  // namespace qtx::cli
