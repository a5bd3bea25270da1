// `qtx inspect MODEL.qtx [--json]`: what a .qtx file holds, from its verified description:
// architecture and variants, sizes, tokenizer, quantization recipe and every tensor.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "engine/api/model_info.h"
#include "engine/format/qtx_loader.h"
#include "engine/util/json.h"
#include "tools/cli/commands.h"

namespace qtx::cli {
namespace {

struct InspectOptions {
  std::string model_path;
  bool json = false;
};

std::string tokenizer_kind(const fb::TokenizerT& tokenizer) {
  return tokenizer.model.type == fb::TokenizerModel::WordPiece ? "wordpiece" : "byte-level-bpe";
}

std::string quantization(const fb::TensorT& tensor) {
  if (!tensor.quant || tensor.quant->scales.empty()) return "none";
  if (tensor.quant->axis < 0) return "per-tensor";
  return "per-channel(axis " + std::to_string(tensor.quant->axis) + ")";
}

struct Totals {
  int64_t tensors = 0, constants = 0, elements = 0;
  uint64_t bytes = 0;
};

Totals totals_of(const fb::GraphT& graph) {
  Totals totals;
  for (const auto& t : graph.tensors) {
    ++totals.tensors;
    if (!t->constant) continue;
    ++totals.constants;
    totals.elements += shape_numel(t->shape);
    totals.bytes += t->data_size;
  }
  return totals;
}

Json info_json(const ModelDef& model, const std::string& path) {
  const ModelInfo info = model_info(model.desc);
  const fb::TokenizerT& tok = *model.desc.tokenizer;
  Json out;
  out.set("file", path);
  out.set("architecture", info.architecture);
  out.set("family", std::string(family_name(info.family)));
  out.set("head", std::string(head_name(info.head)));
  out.set("softmax", info.softmax);
  out.set("gate", info.gate);
  Json sizes;
  sizes.set("layers", info.num_layers);
  sizes.set("hidden", info.hidden_size);
  sizes.set("heads", info.num_heads);
  sizes.set("ffn", info.intermediate_size);
  sizes.set("vocab", info.vocab_size);
  sizes.set("max_positions", info.max_positions);
  out.set("sizes", std::move(sizes));
  Json tokenizer;
  tokenizer.set("kind", tokenizer_kind(tok));
  tokenizer.set("vocab", static_cast<int64_t>(tok.vocab.size()));
  out.set("tokenizer", std::move(tokenizer));
  Json recipe;
  recipe.set("name", model.desc.recipe->name);
  recipe.set("weights", std::string(dtype_name(model.desc.recipe->weights)));
  recipe.set("activations", std::string(dtype_name(model.desc.recipe->activations)));
  out.set("recipe", std::move(recipe));
  return out;
}

Json tensors_json(const fb::GraphT& graph) {
  Json tensors = Json::Array{};
  for (const auto& t : graph.tensors) {
    if (!t->constant) continue;
    Json shape = Json::Array{};
    for (int64_t d : t->shape) shape.push_back(d);
    Json entry;
    entry.set("name", t->name);
    entry.set("dtype", std::string(dtype_name(t->dtype)));
    entry.set("shape", std::move(shape));
    entry.set("bytes", static_cast<int64_t>(t->data_size));
    entry.set("quantization", quantization(*t));
    tensors.push_back(std::move(entry));
  }
  return tensors;
}

void print_json(const ModelDef& model, const std::string& path) {
  Json out = info_json(model, path);
  out.set("tensors", tensors_json(model.graph()));
  const Totals totals = totals_of(model.graph());
  Json sums;
  sums.set("tensors", totals.tensors);
  sums.set("constants", totals.constants);
  sums.set("parameters", totals.elements);
  sums.set("bytes", static_cast<int64_t>(totals.bytes));
  out.set("totals", std::move(sums));
  std::cout << out.dump(2) << "\n";
}

// {"layers":4,"hidden":192} -> "layers 4, hidden 192".
std::string members(const Json& object) {
  std::string out;
  for (const auto& [key, value] : object.as_object()) {
    if (!out.empty()) out += ", ";
    out += key + " " + (value.is_string() ? value.as_string() : value.dump());
  }
  return out;
}

void print_text(const ModelDef& model, const std::string& path) {
  const Json info = info_json(model, path);
  for (const auto& [key, value] : info.as_object()) {
    std::cout << std::left << std::setw(14) << key;
    std::cout << (value.is_string() ? value.as_string() : members(value)) << "\n";
  }
  std::cout << "tensors:\n";
  for (const auto& t : model.graph().tensors) {
    if (!t->constant) continue;
    std::cout << "  " << std::left << std::setw(56) << t->name << std::setw(9)
              << dtype_name(t->dtype) << std::setw(14) << shape_string(t->shape) << std::right
              << std::setw(10) << t->data_size << "  " << quantization(*t) << "\n";
  }
  const Totals totals = totals_of(model.graph());
  std::cout << "totals: " << totals.tensors << " tensors (" << totals.constants << " constants), "
            << totals.elements << " parameters, " << totals.bytes << " bytes\n";
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show what a .qtx file holds");
  cmd->add_option("model", options->model_path, "the .qtx file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", options->json, "print one JSON object");
  cmd->callback([options] {
    const std::shared_ptr<const ModelDef> model = load_qtx(options->model_path);
    if (options->json) {
      print_json(*model, options->model_path);
    } else {
      print_text(*model, options->model_path);
    }
  });
}

}  // namespace qtx::cli
