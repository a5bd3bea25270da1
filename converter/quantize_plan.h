// Where a recipe puts its quantizers in a float graph: which Linear weights become int8, which
// Linears stay float (--keep-float), and which activation values get static quant params.
// Placement::kDefault (the W8A8): the input of every quantized Linear, Q, K and V (the
// tensors feeding an Attention) and the residual sums (Add). The softmax output stays float by
// default: on u8 [0, 1] a step is 1/255, and a causal query over 256 keys holds most of its
// probabilities under half a step, where they round to 0 (on opt4L, 40-90% of them per layer;
// 3-4% of each row's attention mass). Quantizing the probs alone cost +1.1% (opt4L-vanilla)
// and +1.3% (opt4L-gated) perplexity on 40 windows of 256 tokens, as much in a PyTorch
// simulation of the same setting, and no clipping of the range brought opt4L-gated under +0.9%;
// BERT at 128 keys loses nothing either way (min-max), but the cost grows with the keys a query
// sees, which the file does not bound. QuantRecipe::quantize_softmax_output (w8a8
// --quantize-softmax-output: the exact setting, which names the softmax output) adds
// the probs of every Attention. Placement::kPaper (Bondarenko et al. 2023's code, whose preset
// also sets quantize_softmax_output): Embedding outputs, the input and output of every quantized
// Linear, attention scores, probs and context, residual sums and LayerNorm outputs. A tensor
// read by a float Linear still gets quant params when another rule asks for them (quantization
// happens where a value is produced, so every reader sees it).
#pragma once

#include <compare>
#include <string>
#include <vector>

#include "converter/quant_recipe.h"
#include "qtx_generated.h"

namespace qtx::convert {

// A value the runtime fake-quantizes: node `node`'s output tensor ("output"), or an Attention
// node's internal "scores" or "probs" (AttentionAttrs.scores_quant / probs_quant). `what` is
// the name RunObserver reports it under.
struct QuantPoint {
  int node = -1;
  std::string what = "output";
  auto operator<=>(const QuantPoint&) const = default;
};

struct QuantPlan {
  std::vector<int> quantized_linears;   // node indices, graph order
  std::vector<int> float_linears;       // kept float by a --keep-float pattern
  std::vector<QuantPoint> activations;  // static recipes only; sorted, unique
};

QuantPlan plan_quantization(const fb::GraphT& graph, const QuantRecipe& recipe);

// "layer.0.query" for an output, "layer.0.context:probs" for an Attention's internal value.
std::string point_name(const fb::GraphT& graph, const QuantPoint& point);

// Whether a keep-float pattern (fnmatch) matches `name` (a node's or a tensor's).
bool name_kept_float(const std::string& name, const std::vector<std::string>& patterns);

// Whether a keep-float pattern (fnmatch) matches the node's name or its weight tensor's name.
bool keeps_float(const fb::GraphT& graph, const fb::NodeT& linear,
                 const std::vector<std::string>& patterns);

}  // namespace qtx::convert
