#include "engine/api/model_info.h"
#include "engine/ops/op_slots.h"

#include <cstdio>
#include <utility>

namespace qtx {
namespace {

std::string short_float(float value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
  return buffer;
}

std::string gate_name(fb::GateKind gate) {
  switch (gate) {
    case fb::GateKind::Linear:
      return "linear";
    case fb::GateKind::Mlp:
      return "mlp";
    default:
      return "none";
  }
}

ModelHead head_of(fb::Head head) {
  switch (head) {
    case fb::Head::MaskedLM:
      return ModelHead::kMaskedLM;
    case fb::Head::CausalLM:
      return ModelHead::kCausalLM;
    case fb::Head::SequenceClassification:
      return ModelHead::kSequenceClassification;
    default:
      return ModelHead::kNone;
  }
}

// The embedding's width: the output features of the last Dense module, else hidden_size.
int64_t embedding_size(const fb::ModelT& desc) {
  const fb::GraphT& graph = *desc.graph;
  const int output = desc.defaults && desc.defaults->embedding_output >= 0
                         ? graph.outputs[static_cast<size_t>(desc.defaults->embedding_output)]
                         : -1;
  for (const auto& node : graph.nodes) {
    if (node->outputs.empty() || node->outputs[0] != output) continue;
    if (node->op.type != fb::Op::LinearAttrs) break;
    return graph.tensors[static_cast<size_t>(node->inputs.at(ops::LinearSlots::kWeight))]->shape.at(
        0);
  }
  return desc.config->hidden_size;
}

TaskDefaults task_defaults(const fb::ModelT& desc) {
  TaskDefaults defaults;
  defaults.max_length = desc.config->max_positions;
  defaults.lowercase_text = desc.tokenizer->lowercase_text;
  defaults.embedding_size = embedding_size(desc);
  if (!desc.defaults) return defaults;
  const fb::TaskDefaultsT& d = *desc.defaults;
  defaults.pooling = pooling_of(d.pooling);
  defaults.normalize = d.normalize;
  if (d.max_length > 0) defaults.max_length = d.max_length;
  defaults.dense_layers = d.dense_layers;
  defaults.sentence_transformers = d.from_sentence_transformers;
  return defaults;
}

constexpr std::pair<Pooling, std::string_view> kPoolingNames[] = {
    {Pooling::kMean, "mean"},
    {Pooling::kCls, "cls"},
    {Pooling::kMax, "max"},
    {Pooling::kMeanSqrtLen, "mean-sqrt-len"},
    {Pooling::kWeightedMean, "weighted-mean"},
    {Pooling::kLastToken, "last-token"},
};

constexpr std::pair<Pooling, fb::PoolingMode> kPoolingModes[] = {
    {Pooling::kMean, fb::PoolingMode::Mean},
    {Pooling::kCls, fb::PoolingMode::Cls},
    {Pooling::kMax, fb::PoolingMode::Max},
    {Pooling::kMeanSqrtLen, fb::PoolingMode::MeanSqrtLen},
    {Pooling::kWeightedMean, fb::PoolingMode::WeightedMean},
    {Pooling::kLastToken, fb::PoolingMode::LastToken},
};

}  // namespace

std::string_view pooling_name(Pooling pooling) {
  for (const auto& [p, name] : kPoolingNames) {
    if (p == pooling) return name;
  }
  return "unknown";
}

std::optional<Pooling> pooling_from_name(std::string_view name) {
  for (const auto& [p, n] : kPoolingNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

fb::PoolingMode pooling_mode(Pooling pooling) {
  for (const auto& [p, mode] : kPoolingModes) {
    if (p == pooling) return mode;
  }
  return fb::PoolingMode::Mean;
}

Pooling pooling_of(fb::PoolingMode mode) {
  for (const auto& [p, m] : kPoolingModes) {
    if (m == mode) return p;
  }
  return Pooling::kMean;
}

std::string_view family_name(ModelFamily family) {
  return family == ModelFamily::kOpt ? "opt" : "bert";
}

std::string_view head_name(ModelHead head) {
  switch (head) {
    case ModelHead::kMaskedLM:
      return "masked-lm";
    case ModelHead::kCausalLM:
      return "causal-lm";
    case ModelHead::kSequenceClassification:
      return "sequence-classification";
    default:
      return "none";
  }
}

std::string softmax_name(const fb::ConfigT& config) {
  if (config.softmax == fb::SoftmaxKind::Clipped) {
    return "clipped(" + short_float(config.softmax_gamma) + ":" + short_float(config.softmax_zeta) +
           ")";
  }
  return "vanilla";
}

ModelInfo model_info(const fb::ModelT& desc) {
  const fb::ConfigT& c = *desc.config;
  ModelInfo info;
  info.architecture = c.architecture;
  info.family = c.family == fb::Family::Opt ? ModelFamily::kOpt : ModelFamily::kBert;
  info.head = head_of(c.head);
  info.vocab_size = c.vocab_size;
  info.hidden_size = c.hidden_size;
  info.num_layers = c.num_layers;
  info.num_heads = c.num_heads;
  info.intermediate_size = c.intermediate_size;
  info.max_positions = c.max_positions;
  info.softmax = softmax_name(c);
  info.gate = gate_name(c.gate);
  info.recipe = desc.recipe ? desc.recipe->name : "";
  info.labels = c.labels;
  info.defaults = task_defaults(desc);
  return info;
}

}  // namespace qtx
