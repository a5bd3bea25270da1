// The attention variants of Bondarenko et al. 2023 (shared/models/README.md), shared by every
// family: the softmax (vanilla or clipped(gamma:zeta)) from config.json's "attn_softmax" or a
// converter override, and the per-head gate detected from "attn_gate_*" keys and alpha.*
// tensors, stacked into the tensors the Attention op takes (qtx.fbs, AttentionAttrs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/model_config.h"
#include "models/weight_table.h"

namespace qtx::models {

struct SoftmaxSpec {
  fb::SoftmaxKind kind = fb::SoftmaxKind::Vanilla;
  float gamma = 0.0f;
  float zeta = 1.0f;
};

// "vanilla" or "clipped(gamma:zeta)"; `context` names where the text came from.
SoftmaxSpec parse_softmax(std::string_view text, const std::string& context);
// The override when not empty, else config.json's "attn_softmax", else vanilla.
SoftmaxSpec resolve_softmax(const ModelConfig& config, const std::string& override_text);

// `alpha_prefix` is layer 0's "...alpha." prefix: with no "attn_gate_type" key, a gate is
// detected from the tensors found there ("0.0.weight": MLP, "0.weight": linear).
fb::GateKind resolve_gate(const ModelConfig& config, const WeightTable& weights,
                          const std::string& alpha_prefix);

// One layer's gate tensors as graph constants, in the Attention op's order (Linear: w, b;
// Mlp: w1, b1, w2, b2); `alpha_prefix` is that layer's "...alpha." prefix.
std::vector<int> gate_constants(GraphBuilder& graph, WeightTable& weights, fb::GateKind gate,
                                const std::string& alpha_prefix, int64_t heads, int64_t head_dim);

struct AttentionSpec {
  int64_t heads = 1;
  int64_t head_dim = 1;
  bool causal = false;
  SoftmaxSpec softmax;
  fb::GateKind gate = fb::GateKind::None;
};

// The Attention node. Inputs: q, k, v, mask, then the gate input and gate tensors, or -1, -1
// when there is no gate. Scale is 1/sqrt(head_dim).
int attention_node(GraphBuilder& graph, const std::string& output, const AttentionSpec& spec, int q,
                   int k, int v, int mask, int gate_input, const std::vector<int>& gate_tensors);

}  // namespace qtx::models
