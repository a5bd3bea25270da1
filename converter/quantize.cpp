#include "converter/quantize.h"

#include <algorithm>
#include <map>
#include <set>

#include "converter/weight_outliers.h"
#include "engine/graph/graph_builder.h"
#include "engine/ops/op_slots.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr size_t kLinearWeightSlot = ops::LinearSlots::kWeight;
// An Embedding's tables: word, position, token type (engine/format/qtx.fbs).
constexpr size_t kEmbeddingFirstTable = ops::EmbeddingSlots::kWordTable;
constexpr size_t kEmbeddingEndTable = ops::EmbeddingSlots::kTokenTypeTable + 1;

bool is_embedding_table(const fb::NodeT& node, size_t slot) {
  return node.op.AsEmbeddingAttrs() && slot >= kEmbeddingFirstTable && slot < kEmbeddingEndTable;
}

// How many node inputs and graph outputs read each tensor.
std::map<int, int> reader_counts(const fb::GraphT& graph) {
  std::map<int, int> counts;
  for (const auto& node : graph.nodes) {
    for (int input : node->inputs) ++counts[input];
  }
  for (int output : graph.outputs) ++counts[output];
  return counts;
}

// The tensors some reader needs in float: every input except a quantized Linear's weight and an
// Embedding's tables (which both read int8), and the graph's outputs.
std::set<int> float_readers(const fb::GraphT& graph, const QuantPlan& plan) {
  const std::set<int> quantized(plan.quantized_linears.begin(), plan.quantized_linears.end());
  std::set<int> read;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const fb::NodeT& node = *graph.nodes[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const bool int8_slot = (i == kLinearWeightSlot && quantized.count(static_cast<int>(n))) ||
                             is_embedding_table(node, i);
      if (!int8_slot) read.insert(node.inputs[i]);
    }
  }
  for (int output : graph.outputs) read.insert(output);
  return read;
}

class WeightQuantizer {
 public:
  WeightQuantizer(ModelDef& model, const QuantPlan& plan, const QuantRecipe& recipe)
      : model_(model),
        recipe_(recipe),
        float_read_(float_readers(model.graph(), plan)),
        readers_(reader_counts(model.graph())) {}

  // Points the Linear at the I8 version of its weight (made once per float weight). A word
  // table tied to it becomes that I8 tensor too: the Embedding reads its rows in place.
  void quantize(fb::NodeT& linear) {
    const int source = linear.inputs.at(kLinearWeightSlot);
    if (recipe_.activations == ActivationMode::kDynamic && recipe_.outlier_ratio > 0.0f) {
      linear.op.AsLinearAttrs()->outlier_ratio = recipe_.outlier_ratio;
      if (readers_[source] == 1) take_outlier_columns(linear, source);
    }
    linear.inputs[kLinearWeightSlot] = int8_of(source, recipe_.weights, recipe_.weight_range);
  }

  // Every table of the Embedding that no quantized Linear shares (the position and token-type
  // tables, an untied head's word table) becomes I8 with absmax scales per row, unless a
  // keep-float pattern names it or something reads it in float (a tied head kept float): no
  // float copy of the largest weights remains (OPT's learned position table is 2050 x H).
  void quantize_tables(fb::NodeT& embedding) {
    for (size_t slot = kEmbeddingFirstTable; slot < kEmbeddingEndTable; ++slot) {
      const int source = slot < embedding.inputs.size() ? embedding.inputs[slot] : -1;
      if (source < 0) continue;
      const fb::TensorT& table = *model_.desc.graph->tensors.at(static_cast<size_t>(source));
      if (table.dtype == DType::I8 || float_read_.count(source) ||
          name_kept_float(table.name, recipe_.keep_float)) {
        continue;
      }
      embedding.inputs[slot] =
          int8_of(source, WeightGranularity::kPerChannel, WeightRange::kAbsMax);
    }
  }

 private:
  int int8_of(int source, WeightGranularity granularity, WeightRange range) {
    auto done = int8_of_.find(source);
    if (done == int8_of_.end()) {
      done = int8_of_.emplace(source, make_int8(source, granularity, range)).first;
    }
    return done->second;
  }

  // Quantizes in place, or into a new "<weight>.int8" constant when a reader still needs the
  // float values (a weight shared with a --keep-float Linear).
  int make_int8(int source, WeightGranularity granularity, WeightRange range) {
    const auto s = static_cast<size_t>(source);
    const std::string name = model_.desc.graph->tensors[s]->name;
    QuantizedWeight q = quantize_weight(model_.constants[s], granularity, range, name);
    auto params = weight_quant_params(q);
    int target = source;
    if (float_read_.count(source)) {
      target = GraphBuilder(model_).constant(name + ".int8", std::move(q.codes));
    } else {
      model_.constants[s] = std::move(q.codes);
      model_.desc.graph->tensors[s]->dtype = DType::I8;
    }
    model_.desc.graph->tensors[static_cast<size_t>(target)]->quant = std::move(params);
    return target;
  }

  // Moves the weight's outlier columns (weight_outliers.h) into float constants the Linear
  // reads at slots 3 and 4; only for a weight no other node shares (a tied table keeps its
  // columns for the Embedding).
  void take_outlier_columns(fb::NodeT& linear, int source) {
    Tensor& weight = model_.constants.at(static_cast<size_t>(source));
    const std::vector<int32_t> columns = weight_outlier_columns(weight);
    if (columns.empty()) return;
    Tensor taken = take_columns(weight, columns);
    Tensor indices(DType::I32, {static_cast<int64_t>(columns.size())});
    std::copy(columns.begin(), columns.end(), indices.data<int32_t>());
    const std::string name = model_.desc.graph->tensors[static_cast<size_t>(source)]->name;
    GraphBuilder graph(model_);
    linear.inputs.resize(ops::LinearSlots::kCount, -1);
    linear.inputs[ops::LinearSlots::kOutlierColumns] =
        graph.constant(name + ".outlier_columns", std::move(indices));
    linear.inputs[ops::LinearSlots::kOutlierWeight] =
        graph.constant(name + ".outlier_weight", std::move(taken));
  }

  ModelDef& model_;
  const QuantRecipe& recipe_;
  std::set<int> float_read_;
  std::map<int, int> readers_;
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
  for (const auto& node : graph.nodes) {
    if (node->op.AsEmbeddingAttrs()) weights.quantize_tables(*node);
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    set_activation_quant(graph, plan.activations[i],
                         activation_quant(ranges[i], recipe.symmetric_activations));
  }
  model.desc.recipe = describe_recipe(recipe, samples_used);
}

}  // namespace qtx::convert
