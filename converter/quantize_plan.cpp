#include "converter/quantize_plan.h"

#include <fnmatch.h>

#include <set>
#include <unordered_map>

#include "engine/ops/op_slots.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// The node that writes each activation tensor.
std::unordered_map<int, int> producers(const fb::GraphT& graph) {
  std::unordered_map<int, int> by_tensor;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int out : graph.nodes[n]->outputs) by_tensor[out] = static_cast<int>(n);
  }
  return by_tensor;
}

bool has_constant_weight(const fb::GraphT& graph, const fb::NodeT& node) {
  using Slot = ops::LinearSlots;
  if (node.inputs.size() <= Slot::kWeight || node.inputs[Slot::kWeight] < 0) return false;
  const auto w = static_cast<size_t>(node.inputs[Slot::kWeight]);
  return w < graph.tensors.size() && graph.tensors[w]->constant;
}

class Planner {
 public:
  Planner(const fb::GraphT& graph, const QuantRecipe& recipe)
      : graph_(graph), recipe_(recipe), producers_(producers(graph)) {}

  QuantPlan plan() {
    for (size_t n = 0; n < graph_.nodes.size(); ++n) visit(static_cast<int>(n));
    plan_.activations.assign(points_.begin(), points_.end());
    return std::move(plan_);
  }

 private:
  bool static_activations() const { return recipe_.activations == ActivationMode::kStatic; }
  bool paper() const { return recipe_.placement == Placement::kPaper; }

  // The output of the node that produces `tensor` (graph inputs have none: nothing to add).
  void quantize_tensor(int tensor) {
    const auto it = producers_.find(tensor);
    if (it != producers_.end()) points_.insert({it->second, "output"});
  }

  void visit(int n) {
    const fb::NodeT& node = *graph_.nodes[static_cast<size_t>(n)];
    switch (node.op.type) {
      case fb::Op::LinearAttrs:
        return visit_linear(n, node);
      case fb::Op::AttentionAttrs:
        return visit_attention(n, node);
      case fb::Op::AddAttrs:
        if (static_activations()) points_.insert({n, "output"});
        return;
      case fb::Op::EmbeddingAttrs:
      case fb::Op::LayerNormAttrs:
        if (static_activations() && paper()) points_.insert({n, "output"});
        return;
      default:
        return;
    }
  }

  void visit_linear(int n, const fb::NodeT& node) {
    if (!has_constant_weight(graph_, node)) return;
    if (keeps_float(graph_, node, recipe_.keep_float)) {
      plan_.float_linears.push_back(n);
      return;
    }
    plan_.quantized_linears.push_back(n);
    if (!static_activations()) return;
    quantize_tensor(node.inputs[ops::LinearSlots::kX]);
    if (paper()) points_.insert({n, "output"});
  }

  void visit_attention(int n, const fb::NodeT& node) {
    if (!static_activations()) return;
    using Slot = ops::AttentionSlots;
    if (node.inputs.size() <= Slot::kV) {
      throw Error(ErrorCode::kInvalidArgument,
                  "quantize: attention node '" + node.name + "' lacks its q, k, v inputs");
    }
    for (size_t i : {Slot::kQ, Slot::kK, Slot::kV}) quantize_tensor(node.inputs[i]);
    if (recipe_.quantize_softmax_output) points_.insert({n, "probs"});
    if (paper()) {
      points_.insert({n, "scores"});
      points_.insert({n, "output"});
    }
  }

  const fb::GraphT& graph_;
  const QuantRecipe& recipe_;
  std::unordered_map<int, int> producers_;
  std::set<QuantPoint> points_;
  QuantPlan plan_;
};

}  // namespace

QuantPlan plan_quantization(const fb::GraphT& graph, const QuantRecipe& recipe) {
  return Planner(graph, recipe).plan();
}

std::string point_name(const fb::GraphT& graph, const QuantPoint& point) {
  const fb::NodeT& node = *graph.nodes.at(static_cast<size_t>(point.node));
  if (point.what == "output")
    return graph.tensors.at(static_cast<size_t>(node.outputs.at(0)))->name;
  return node.name + ":" + point.what;
}

bool name_kept_float(const std::string& name, const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

bool keeps_float(const fb::GraphT& graph, const fb::NodeT& linear,
                 const std::vector<std::string>& patterns) {
  const std::string& weight =
      graph.tensors.at(static_cast<size_t>(linear.inputs.at(ops::LinearSlots::kWeight)))->name;
  return name_kept_float(linear.name, patterns) || name_kept_float(weight, patterns);
}

}  // namespace qtx::convert
