#include "engine/api/model_info.h"
#include "engine/ops/op_slots.h"

#include <cstdio>
#include <unordered_map>

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

// What the graph computes between its Pooling node and the embedding output: the Linear nodes
// of the Dense modules, and the width of the last (hidden_size without any).
struct DenseChain {
  int64_t layers = 0;
  int64_t width = 0;
};

DenseChain dense_chain(const fb::ModelT& desc) {
  DenseChain chain{0, desc.config->hidden_size};
  if (!desc.defaults || desc.defaults->embedding_output < 0) return chain;
  const fb::GraphT& graph = *desc.graph;
  std::unordered_map<int, const fb::NodeT*> producer;
  for (const auto& node : graph.nodes) {
    if (!node->outputs.empty()) producer[node->outputs[0]] = node.get();
  }
  // The loader checked that every tensor is produced before it is read: the walk ends.
  int tensor = graph.outputs[static_cast<size_t>(desc.defaults->embedding_output)];
  for (auto at = producer.find(tensor);
       at != producer.end() && at->second->op.type == fb::Op::LinearAttrs;
       at = producer.find(tensor)) {
    const fb::NodeT& linear = *at->second;
    if (chain.layers++ == 0) {
      const int weight = linear.inputs.at(ops::LinearSlots::kWeight);
      chain.width = graph.tensors[static_cast<size_t>(weight)]->shape.at(0);
    }
    tensor = linear.inputs.at(ops::LinearSlots::kX);
  }
  return chain;
}

TaskDefaults task_defaults(const fb::ModelT& desc) {
  TaskDefaults defaults;
  defaults.max_length = desc.config->max_positions;
  defaults.lowercase_text = desc.tokenizer->lowercase_text;
  const DenseChain dense = dense_chain(desc);
  defaults.embedding_size = dense.width;
  defaults.dense_layers = dense.layers;
  if (!desc.defaults) return defaults;
  const fb::TaskDefaultsT& d = *desc.defaults;
  defaults.pooling = pooling_of(d.pooling);
  defaults.normalize = d.normalize;
  if (d.max_length > 0) defaults.max_length = d.max_length;
  defaults.sentence_transformers = d.from_sentence_transformers;
  return defaults;
}

// Each public Pooling with its name and the file's mode, one to one.
struct PoolingEntry {
  Pooling pooling;
  std::string_view name;
  fb::PoolingMode mode;
};
constexpr PoolingEntry kPoolings[] = {
    {Pooling::kMean, "mean", fb::PoolingMode::Mean},
    {Pooling::kCls, "cls", fb::PoolingMode::Cls},
    {Pooling::kMax, "max", fb::PoolingMode::Max},
    {Pooling::kMeanSqrtLen, "mean-sqrt-len", fb::PoolingMode::MeanSqrtLen},
    {Pooling::kWeightedMean, "weighted-mean", fb::PoolingMode::WeightedMean},
    {Pooling::kLastToken, "last-token", fb::PoolingMode::LastToken},
};

const PoolingEntry* find_pooling(auto matches) {
  for (const PoolingEntry& entry : kPoolings) {
    if (matches(entry)) return &entry;
  }
  return nullptr;
}

}  // namespace

std::string_view pooling_name(Pooling pooling) {
  const PoolingEntry* entry =
      find_pooling([&](const PoolingEntry& e) { return e.pooling == pooling; });
  return entry ? entry->name : "unknown";
}

std::optional<Pooling> pooling_from_name(std::string_view name) {
  const PoolingEntry* entry = find_pooling([&](const PoolingEntry& e) { return e.name == name; });
  return entry ? std::optional<Pooling>(entry->pooling) : std::nullopt;
}

std::vector<std::string_view> pooling_names() {
  std::vector<std::string_view> names;
  for (const PoolingEntry& entry : kPoolings) names.push_back(entry.name);
  return names;
}

fb::PoolingMode pooling_mode(Pooling pooling) {
  const PoolingEntry* entry =
      find_pooling([&](const PoolingEntry& e) { return e.pooling == pooling; });
  return entry ? entry->mode : fb::PoolingMode::Mean;
}

Pooling pooling_of(fb::PoolingMode mode) {
  const PoolingEntry* entry = find_pooling([&](const PoolingEntry& e) { return e.mode == mode; });
  return entry ? entry->pooling : Pooling::kMean;
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
