#include "models/attention_variant.h"

#include <charconv>
#include <cmath>

#include "engine/ops/op_slots.h"
#include "qtx/error.h"

namespace qtx::models {
namespace {

float parse_float(std::string_view text, const std::string& context) {
  float value = 0.0f;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    throw Error(ErrorCode::kInvalidArgument,
                context + ": '" + std::string(text) + "' is not a number");
  }
  return value;
}

std::string gate_tensor_name(const std::string& alpha_prefix, int64_t head,
                             std::string_view suffix) {
  return alpha_prefix + std::to_string(head) + "." + std::string(suffix);
}

// Loads tensor `suffix` of every head and stacks them into [heads, item...]; missing heads are
// recorded by `weights`.
int stacked_constant(GraphBuilder& graph, WeightTable& weights, const std::string& alpha_prefix,
                     int64_t heads, std::string_view suffix, const Shape& per_head,
                     const Shape& item) {
  std::vector<Tensor> parts;
  for (int64_t h = 0; h < heads; ++h) {
    auto part = weights.load({gate_tensor_name(alpha_prefix, h, suffix)}, per_head);
    if (part) parts.push_back(part->reshaped(item));
  }
  const std::string name = alpha_prefix + "*." + std::string(suffix);
  if (parts.size() != static_cast<size_t>(heads)) return graph.constant(name, Tensor());
  return graph.constant(name, stack(parts));
}

}  // namespace

SoftmaxSpec parse_softmax(std::string_view text, const std::string& context) {
  if (text == "vanilla" || text == "softmax") return {};
  constexpr std::string_view kOpen = "clipped(";
  const auto colon = text.find(':');
  if (text.substr(0, kOpen.size()) != kOpen || !text.ends_with(")") ||
      colon == std::string_view::npos) {
    throw Error(ErrorCode::kUnsupported, context + ": softmax '" + std::string(text) +
                                             "' (expected 'vanilla' or 'clipped(gamma:zeta)')");
  }
  SoftmaxSpec spec;
  spec.kind = fb::SoftmaxKind::Clipped;
  spec.gamma = parse_float(text.substr(kOpen.size(), colon - kOpen.size()), context);
  spec.zeta = parse_float(text.substr(colon + 1, text.size() - colon - 2), context);
  if (!(spec.gamma < spec.zeta)) {
    throw Error(ErrorCode::kInvalidArgument,
                context + ": clipped softmax needs gamma < zeta, got '" + std::string(text) + "'");
  }
  return spec;
}

SoftmaxSpec resolve_softmax(const ModelConfig& config, const std::string& override_text) {
  if (!override_text.empty()) return parse_softmax(override_text, "softmax option");
  const std::string text = config.string_or("attn_softmax", "vanilla");
  return parse_softmax(text, config.source() + ": key 'attn_softmax'");
}

fb::GateKind resolve_gate(const ModelConfig& config, const WeightTable& weights,
                          const std::string& alpha_prefix) {
  if (config.has("attn_gate_type")) {
    const std::string type = config.string_or("attn_gate_type", "");
    if (type == "none") return fb::GateKind::None;
    if (type != "conditional_per_token") {
      config.fail(ErrorCode::kUnsupported, "attn_gate_type",
                  "'" + type + "' (qtx supports: conditional_per_token, none)");
    }
    return config.boolean_or("attn_gate_mlp", false) ? fb::GateKind::Mlp : fb::GateKind::Linear;
  }
  if (weights.contains(alpha_prefix + "0.0.weight")) return fb::GateKind::Mlp;
  if (weights.contains(alpha_prefix + "0.weight")) return fb::GateKind::Linear;
  return fb::GateKind::None;
}

std::vector<int> gate_constants(GraphBuilder& graph, WeightTable& weights, fb::GateKind gate,
                                const std::string& alpha_prefix, int64_t heads, int64_t head_dim) {
  if (gate == fb::GateKind::Linear) {
    return {
        stacked_constant(graph, weights, alpha_prefix, heads, "weight", {1, head_dim}, {head_dim}),
        stacked_constant(graph, weights, alpha_prefix, heads, "bias", {1}, {})};
  }
  if (gate == fb::GateKind::Mlp) {
    const int64_t inner = head_dim / 4;
    return {stacked_constant(graph, weights, alpha_prefix, heads, "0.weight", {inner, head_dim},
                             {inner, head_dim}),
            stacked_constant(graph, weights, alpha_prefix, heads, "0.bias", {inner}, {inner}),
            stacked_constant(graph, weights, alpha_prefix, heads, "2.weight", {1, inner}, {inner}),
            stacked_constant(graph, weights, alpha_prefix, heads, "2.bias", {1}, {})};
  }
  return {};
}

int attention_node(GraphBuilder& graph, const std::string& output, const AttentionSpec& spec, int q,
                   int k, int v, int mask, int gate_input, const std::vector<int>& gate_tensors) {
  fb::AttentionAttrsT attrs;
  attrs.num_heads = static_cast<int32_t>(spec.heads);
  attrs.causal = spec.causal;
  attrs.scale = 1.0f / std::sqrt(static_cast<float>(spec.head_dim));
  attrs.softmax = spec.softmax.kind;
  attrs.gamma = spec.softmax.gamma;
  attrs.zeta = spec.softmax.zeta;
  attrs.gate = spec.gate;
  using Slot = ops::AttentionSlots;
  std::vector<int> inputs(Slot::kGateWeights, -1);
  inputs[Slot::kQ] = q;
  inputs[Slot::kK] = k;
  inputs[Slot::kV] = v;
  inputs[Slot::kMask] = mask;
  if (spec.gate != fb::GateKind::None) {
    inputs[Slot::kGateInput] = gate_input;
    inputs.insert(inputs.end(), gate_tensors.begin(), gate_tensors.end());
  }
  return graph.node(output, std::move(attrs), std::move(inputs));
}

}  // namespace qtx::models
