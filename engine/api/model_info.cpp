#include "engine/api/model_info.h"

#include <cstdio>

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

}  // namespace

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
  return info;
}

}  // namespace qtx
