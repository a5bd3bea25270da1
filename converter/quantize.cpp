#include "converter/quantize.h"

#include <map>
#include <set>

#include "engine/graph/graph_builder.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// The tensors read by anything other than the quantized Linears' weight slot.
std::set<int> float_readers(const fb::GraphT& graph, const QuantPlan& plan) {
  const std::set<int> quantized(plan.quantized_linears.begin(), plan.quantized_linears.end());
  std::set<int> read;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const fb::NodeT& node = *graph.nodes[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const bool weight_slot = i == 1 && quantized.count(static_cast<int>(n));
      if (!weight_slot) read.insert(node.inputs[i]);
    }
  }
  for (int output : graph.outputs) read.insert(output);
  return read;
}

class WeightQuantizer {
 public:
  WeightQuantizer(ModelDef& model, const QuantPlan& plan, const QuantRecipe& recipe)
      : model_(model), recipe_(recipe), shared_(float_readers(model.graph(), plan)) {}

  // Points the Linear at the I8 version of its weight (made once per float weight).
  void quantize(fb::NodeT& linear) {
    const int source = linear.inputs.at(1);
    auto done = int8_of_.find(source);
    if (done == int8_of_.end()) done = int8_of_.emplace(source, make_int8(source)).first;
    linear.inputs[1] = done->second;
  }

 private:
  int make_int8(int source) {
    const auto s = static_cast<size_t>(source);
    const std::string name = model_.desc.graph->tensors[s]->name;
    QuantizedWeight q =
        quantize_weight(model_.constants[s], recipe_.weights, recipe_.weight_range, name);
    auto params = weight_quant_params(q);
    int target = source;
    if (shared_.count(source)) {
      target = GraphBuilder(model_).constant(name + ".int8", std::move(q.codes));
    } else {
      model_.constants[s] = std::move(q.codes);
      model_.desc.graph->tensors[s]->dtype = DType::I8;
    }
    model_.desc.graph->tensors[static_cast<size_t>(target)]->quant = std::move(params);
    return target;
  }

  ModelDef& model_;
  const QuantRecipe& recipe_;
  std::set<int> shared_;
  std::map<int, int> int8_of_;
};

void set_activation_quant(fb::GraphT& graph, const QuantPoint& point, const ActivationQuant& q) {
  fb::NodeT& node = *graph.nodes.at(static_cast<size_t>(point.node));
  if (point.what == "output") {
    graph.tensors.at(static_cast<size_t>(node.outputs.at(0)))->quant = to_quant_params(q);
    return;
  }
  auto* attention = node.op.AsAttentionAttrs();
  if (attention == nullptr || (point.what != "scores" && point.what != "probs")) {
    throw Error(ErrorCode::kInternal,
                "quantize: no quantization point '" + point.what + "' in node '" + node.name + "'");
  }
  (point.what == "scores" ? attention->scores_quant : attention->probs_quant) = to_quant_params(q);
}

}  // namespace

void quantize_model(ModelDef& model, const QuantPlan& plan, const std::vector<ValueRange>& ranges,
                    const QuantRecipe& recipe, int samples_used) {
  if (ranges.size() != plan.activations.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "quantize: " + std::to_string(ranges.size()) + " ranges for " +
                    std::to_string(plan.activations.size()) + " quantization points");
  }
  fb::GraphT& graph = *model.desc.graph;
  WeightQuantizer weights(model, plan, recipe);
  for (int n : plan.quantized_linears) {
    fb::NodeT& node = *graph.nodes.at(static_cast<size_t>(n));
    weights.quantize(node);
    if (recipe.activations == ActivationMode::kDynamic)
      node.op.AsLinearAttrs()->dynamic_quant = true;
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    set_activation_quant(graph, plan.activations[i],
                         activation_quant(ranges[i], recipe.symmetric_activations));
  }
  model.desc.recipe = describe_recipe(recipe, samples_used);
}

}  // namespace qtx::convert
