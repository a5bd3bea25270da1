#include "models/registry.h"

#include "models/bert.h"
#include "models/opt.h"
#include "qtx/error.h"

namespace qtx::models {

TransformerSizes read_transformer_sizes(const ModelConfig& config,
                                        const std::string& intermediate_key) {
  // Bounds keep a hostile config.json from asking for absurd allocations.
  constexpr int64_t kMaxVocab = int64_t{1} << 24;
  constexpr int64_t kMaxLayers = 1024;
  constexpr int64_t kMaxPositions = int64_t{1} << 20;
  TransformerSizes sizes;
  sizes.vocab = config.integer("vocab_size", 1, kMaxVocab);
  sizes.hidden = config.integer("hidden_size", 1, kMaxHidden);
  sizes.layers = config.integer("num_hidden_layers", 1, kMaxLayers);
  sizes.heads = config.integer("num_attention_heads", 1, sizes.hidden);
  sizes.intermediate = config.integer(intermediate_key, 1, 4 * kMaxHidden);
  sizes.max_positions = config.integer("max_position_embeddings", 1, kMaxPositions);
  if (sizes.hidden % sizes.heads != 0) {
    config.fail(ErrorCode::kInvalidFile, "num_attention_heads",
                "hidden_size " + std::to_string(sizes.hidden) + " is not a multiple of " +
                    std::to_string(sizes.heads) + " heads");
  }
  return sizes;
}

namespace {

std::string supported_names() {
  std::string names;
  for (const auto& arch : architectures()) {
    names += (names.empty() ? "" : ", ") + std::string(arch.name);
  }
  return names;
}

// config.json's architectures[0]; without it, the headless model of its model_type.
std::string architecture_name(const ModelConfig& config) {
  if (const Json* list = config.find("architectures")) {
    if (!list->is_array() || list->as_array().size() != 1 || !list->as_array()[0].is_string()) {
      config.fail(ErrorCode::kInvalidFile, "architectures", "expected a list of one class name");
    }
    return list->as_array()[0].as_string();
  }
  const std::string model_type = config.string_or("model_type", "");
  if (model_type.empty()) {
    config.fail(ErrorCode::kInvalidFile, "architectures",
                "missing (and no model_type to fall back on)");
  }
  for (const auto& arch : architectures()) {
    if (arch.model_type == model_type && arch.head == fb::Head::None) return std::string(arch.name);
  }
  config.fail(
      ErrorCode::kUnsupported, "model_type",
      "unsupported model type '" + model_type + "' (qtx supports: " + supported_names() + ")");
}

}  // namespace

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> kArchitectures = {
      {"BertModel", "bert", fb::Family::Bert, fb::Head::None, build_bert},
      {"BertForMaskedLM", "bert", fb::Family::Bert, fb::Head::MaskedLM, build_bert},
      {"BertForSequenceClassification", "bert", fb::Family::Bert, fb::Head::SequenceClassification,
       build_bert},
      {"OPTModel", "opt", fb::Family::Opt, fb::Head::None, build_opt},
      {"OPTForCausalLM", "opt", fb::Family::Opt, fb::Head::CausalLM, build_opt},
  };
  return kArchitectures;
}

const Architecture& resolve_architecture(const ModelConfig& config) {
  const std::string name = architecture_name(config);
  for (const auto& arch : architectures()) {
    if (arch.name != name) continue;
    const std::string model_type = config.string_or("model_type", std::string(arch.model_type));
    if (model_type != arch.model_type) {
      config.fail(ErrorCode::kInvalidFile, "model_type",
                  "'" + model_type + "' does not match architecture '" + name + "'");
    }
    return arch;
  }
  config.fail(ErrorCode::kUnsupported, "architectures",
              "unsupported architecture '" + name + "' (qtx supports: " + supported_names() + ")");
}

void describe_model(ModelDef& model, const Architecture& architecture,
                    const TransformerSizes& sizes, const SoftmaxSpec& softmax, fb::GateKind gate) {
  auto config = std::make_unique<fb::ConfigT>();
  config->family = architecture.family;
  config->architecture = std::string(architecture.name);
  config->head = architecture.head;
  config->vocab_size = static_cast<int32_t>(sizes.vocab);
  config->hidden_size = static_cast<int32_t>(sizes.hidden);
  config->num_layers = static_cast<int32_t>(sizes.layers);
  config->num_heads = static_cast<int32_t>(sizes.heads);
  config->intermediate_size = static_cast<int32_t>(sizes.intermediate);
  config->max_positions = static_cast<int32_t>(sizes.max_positions);
  config->softmax = softmax.kind;
  config->softmax_gamma = softmax.gamma;
  config->softmax_zeta = softmax.zeta;
  config->gate = gate;
  model.desc.config = std::move(config);
  auto recipe = std::make_unique<fb::QuantRecipeT>();
  recipe->name = "float32";
  recipe->weights = DType::F32;
  recipe->activations = DType::F32;
  recipe->description = "float32 weights and activations, as trained";
  model.desc.recipe = std::move(recipe);
}

ModelDef build_graph(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                     const BuildOptions& options) {
  const Architecture* architecture = &resolve_architecture(config);
  if (options.headless) {
    for (const auto& arch : architectures()) {
      if (arch.family == architecture->family && arch.head == fb::Head::None) architecture = &arch;
    }
  }
  return architecture->build(config, checkpoint, *architecture, options);
}

}  // namespace qtx::models
