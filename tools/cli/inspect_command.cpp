// `qtx inspect MODEL.qtx [--json]`: what a .qtx file holds, from its verified description:
// architecture and variants, sizes, tokenizer, quantization recipe, every constant tensor with
// its quantization, and the activations a static int8 recipe quantizes.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

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

std::string number(double value) {
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

// "per-tensor(scale 0.0123, zero point 3, [0, 255])" or "per-channel(axis 0, 192 scales, ...)".
std::string quantization(const fb::QuantParamsT* quant) {
  if (!quant || quant->scales.empty()) return "none";
  const std::string grid =
      "[" + std::to_string(quant->qmin) + ", " + std::to_string(quant->qmax) + "]";
  const std::string zero = quant->zero_points.empty() ? "0" : std::to_string(quant->zero_points[0]);
  if (quant->axis < 0) {
    return "per-tensor(scale " + number(quant->scales[0]) + ", zero point " + zero + ", " + grid +
           ")";
  }
  return "per-channel(axis " + std::to_string(quant->axis) + ", " +
         std::to_string(quant->scales.size()) + " scales, " + grid + ")";
}

Json quant_json(const fb::QuantParamsT& quant) {
  Json scales = Json::Array{};
  Json zero_points = Json::Array{};
  for (float s : quant.scales) scales.push_back(static_cast<double>(s));
  for (int z : quant.zero_points) zero_points.push_back(z);
  Json out;
  out.set("axis", quant.axis);
  out.set("scales_count", static_cast<int64_t>(quant.scales.size()));
  out.set("scales", std::move(scales));
  out.set("zero_points", std::move(zero_points));
  out.set("qmin", quant.qmin);
  out.set("qmax", quant.qmax);
  return out;
}

// The activation values a static recipe quantizes: node outputs and Attention internals.
struct ActivationQuant {
  std::string name;
  const fb::QuantParamsT* quant;
};

std::vector<ActivationQuant> quantized_activations(const fb::GraphT& graph) {
  std::vector<ActivationQuant> out;
  for (const auto& node : graph.nodes) {
    for (int index : node->outputs) {
      const fb::TensorT& t = *graph.tensors[static_cast<size_t>(index)];
      if (t.quant) out.push_back({t.name, t.quant.get()});
    }
    if (const auto* attention = node->op.AsAttentionAttrs()) {
      if (attention->scores_quant)
        out.push_back({node->name + ":scores", attention->scores_quant.get()});
      if (attention->probs_quant)
        out.push_back({node->name + ":probs", attention->probs_quant.get()});
    }
  }
  return out;
}

Json recipe_json(const fb::QuantRecipeT& r) {
  Json keep_float = Json::Array{};
  for (const auto& pattern : r.keep_float) keep_float.push_back(pattern);
  Json recipe;
  recipe.set("name", r.name);
  recipe.set("weights", std::string(dtype_name(r.weights)));
  recipe.set("activations", std::string(dtype_name(r.activations)));
  recipe.set("description", r.description);
  recipe.set("weight_granularity", r.weight_granularity);
  recipe.set("activation_mode", r.activation_mode);
  recipe.set("activation_symmetric", r.activation_symmetric);
  recipe.set("softmax_output_quantized", r.softmax_output_quantized);
  recipe.set("estimator", r.estimator);
  recipe.set("calibration_data", r.calibration_data);
  recipe.set("calibration_samples", r.calibration_samples);
  recipe.set("keep_float", std::move(keep_float));
  return recipe;
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

// What `qtx run` and Session::embed do without options (the sentence-transformers pipeline
// of a model converted from one).
Json defaults_json(const ModelInfo& info) {
  const TaskDefaults& d = info.defaults;
  Json defaults;
  defaults.set("source", d.sentence_transformers ? "sentence-transformers" : "model");
  defaults.set("max_length", d.max_length);
  if (info.head == ModelHead::kNone) {
    defaults.set("pooling", std::string(pooling_name(d.pooling)));
    defaults.set("dense_layers", d.dense_layers);
    defaults.set("normalize", d.normalize);
    defaults.set("embedding_size", d.embedding_size);
  }
  return defaults;
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
  tokenizer.set("lowercase_text", info.defaults.lowercase_text);
  out.set("tokenizer", std::move(tokenizer));
  out.set("defaults", defaults_json(info));
  out.set("recipe", recipe_json(*model.desc.recipe));
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
    entry.set("quantization", quantization(t->quant.get()));
    if (t->quant) entry.set("quant", quant_json(*t->quant));
    tensors.push_back(std::move(entry));
  }
  return tensors;
}

Json activations_json(const fb::GraphT& graph) {
  Json activations = Json::Array{};
  for (const ActivationQuant& a : quantized_activations(graph)) {
    Json entry;
    entry.set("name", a.name);
    entry.set("quant", quant_json(*a.quant));
    activations.push_back(std::move(entry));
  }
  return activations;
}

void print_json(const ModelDef& model, const std::string& path) {
  Json out = info_json(model, path);
  out.set("tensors", tensors_json(model.graph()));
  out.set("quantized_activations", activations_json(model.graph()));
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
              << std::setw(10) << t->data_size << "  " << quantization(t->quant.get()) << "\n";
  }
  const auto activations = quantized_activations(model.graph());
  if (!activations.empty()) std::cout << "quantized activations:\n";
  for (const ActivationQuant& a : activations) {
    std::cout << "  " << std::left << std::setw(56) << a.name << quantization(a.quant) << "\n";
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
