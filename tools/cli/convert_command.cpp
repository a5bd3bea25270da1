// `qtx convert CHECKPOINT_DIR -o MODEL.qtx`: a Hugging Face checkpoint directory to a .qtx
// file. The converter writes atomically, so a failed conversion never clobbers MODEL.qtx.
#include <iostream>
#include <memory>

#include "converter/convert.h"
#include "tools/cli/commands.h"

namespace qtx::cli {
namespace {

struct ConvertCommandOptions {
  std::string checkpoint_dir;
  std::string out;
  std::string dtype = "float32";
  std::string softmax;
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

void convert(const ConvertCommandOptions& o) {
  convert::ConvertOptions options;
  options.dtype = o.dtype == "float16" ? DType::F16 : DType::F32;
  options.softmax = o.softmax;
  options.progress = [](const std::string& step) { std::cerr << "qtx convert: " << step << "\n"; };
  convert::convert_checkpoint(o.checkpoint_dir, o.out, options);
  std::cerr << "qtx convert: wrote " << o.out << "\n";
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
  cmd->callback([o] { convert(*o); });
}

}  // namespace qtx::cli
