// check_nodes: the graph's structure. Every op has its attributes and the inputs it cannot do
// without; every tensor index is in range; each tensor is produced once, and before any node
// reads it; the graph's inputs and outputs are real tensors.
#include <cmath>
#include <string>
#include <vector>

#include "engine/format/model_checks.h"
#include "engine/format/quant_checks.h"
#include "engine/ops/op_slots.h"
#include "qtx/error.h"

namespace qtx::format {
namespace {

template <typename E>
bool known(E value) {
  return static_cast<int>(value) >= static_cast<int>(E::MIN) &&
         static_cast<int>(value) <= static_cast<int>(E::MAX);
}

// Returns an empty string when the attributes are sane, else what is wrong with them.
std::string attention_attrs_problem(const fb::AttentionAttrsT& a) {
  if (a.num_heads <= 0 || a.num_heads > kMaxHiddenSize) return "num_heads out of range";
  if (!std::isfinite(a.scale)) return "scale is not finite";
  if (!known(a.softmax) || !known(a.gate)) return "unknown softmax or gate kind";
  if (!std::isfinite(a.gamma) || !std::isfinite(a.zeta)) return "gamma/zeta are not finite";
  if (a.softmax == fb::SoftmaxKind::Clipped && !(a.gamma < a.zeta)) {
    return "clipped softmax needs gamma < zeta";
  }
  for (const auto* q : {a.scores_quant.get(), a.probs_quant.get()}) {
    if (!q) continue;
    const char* what = q == a.scores_quant.get() ? "scores_quant: " : "probs_quant: ";
    if (q->axis != -1 || q->scales.size() != 1) return std::string(what) + "must be per tensor";
    const std::string problem = quant_grid_problem(*q);
    if (!problem.empty()) return what + problem;
  }
  return "";
}

std::string attrs_problem(const fb::OpUnion& op) {
  if (const auto* e = op.AsEmbeddingAttrs()) {
    if (!known(e->positions)) return "unknown position mode";
    if (e->position_offset < 0 || e->position_offset > kMaxPositions) {
      return "position_offset out of range";
    }
  } else if (const auto* ln = op.AsLayerNormAttrs()) {
    if (!std::isfinite(ln->epsilon) || !(ln->epsilon > 0.0f)) return "epsilon must be > 0";
  } else if (const auto* lin = op.AsLinearAttrs()) {
    if (!known(lin->activation)) return "unknown activation";
    if (!std::isfinite(lin->outlier_ratio) || lin->outlier_ratio < 0.0f) {
      return "outlier_ratio must be finite and >= 0";
    }
  } else if (const auto* att = op.AsAttentionAttrs()) {
    return attention_attrs_problem(*att);
  } else if (const auto* act = op.AsActivationAttrs()) {
    if (!known(act->kind)) return "unknown activation";
  } else if (const auto* pool = op.AsPoolingAttrs()) {
    if (!known(pool->mode)) return "unknown pooling mode";
  }
  return "";
}

class GraphChecker {
 public:
  GraphChecker(const fb::GraphT& graph, const std::string& file_name)
      : graph_(graph), file_(file_name), available_(graph.tensors.size(), false) {}

  void run() {
    for (size_t i = 0; i < graph_.tensors.size(); ++i) {
      available_[i] = graph_.tensors[i]->constant;
    }
    for (int id : graph_.inputs) mark_produced(id, "graph input");
    for (const auto& node : graph_.nodes) {
      if (!node) invalid(file_, "a node is missing");
      check_node(*node);
    }
    if (graph_.outputs.empty()) invalid(file_, "the graph has no outputs");
    for (int id : graph_.outputs) check_available(id, "graph output");
  }

 private:
  std::string node_context(const fb::NodeT& n) const {
    return "node '" + n.name + "' (" + fb::EnumNameOp(n.op.type) + ")";
  }

  void check_index(int id, const std::string& what) const {
    if (id < 0 || static_cast<size_t>(id) >= graph_.tensors.size()) {
      invalid(file_, what + " refers to tensor #" + std::to_string(id) + ", but there are " +
                         std::to_string(graph_.tensors.size()));
    }
  }

  void check_available(int id, const std::string& what) const {
    check_index(id, what);
    if (!available_[static_cast<size_t>(id)]) {
      invalid(file_, what + " reads tensor '" + graph_.tensors[static_cast<size_t>(id)]->name +
                         "' before any node produces it");
    }
  }

  void mark_produced(int id, const std::string& what) {
    check_index(id, what);
    const auto i = static_cast<size_t>(id);
    if (available_[i]) {
      invalid(file_, what + " writes tensor '" + graph_.tensors[i]->name +
                         "', which is a constant or already produced");
    }
    available_[i] = true;
  }

  void check_op(const fb::NodeT& n, const std::string& where) const {
    if (n.op.type == fb::Op::NONE || n.op.value == nullptr || !known(n.op.type)) {
      throw Error(ErrorCode::kUnsupported, file_ + ": node '" + n.name + "': unknown op type " +
                                               std::to_string(static_cast<int>(n.op.type)));
    }
    const std::string problem = attrs_problem(n.op);
    if (!problem.empty()) invalid(file_, where + ": " + problem);
  }

  void check_inputs(const fb::NodeT& n, const std::string& where) const {
    const ops::OpArity arity = ops::op_arity(n.op);
    if (n.inputs.size() < arity.required || n.inputs.size() > arity.max) {
      invalid(file_, where + ": " + std::to_string(n.inputs.size()) + " inputs, expected " +
                         std::to_string(arity.required) + ".." + std::to_string(arity.max));
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::string what = where + " input " + std::to_string(i);
      if (n.inputs[i] == -1 && i >= arity.required) continue;
      if (n.inputs[i] == -1) invalid(file_, what + " is required but absent");
      check_available(n.inputs[i], what);
    }
    const auto* attention = n.op.AsAttentionAttrs();
    if (attention && attention->gate == fb::GateKind::None) {
      for (size_t i = arity.required; i < n.inputs.size(); ++i) {
        if (n.inputs[i] != -1) invalid(file_, where + ": gate inputs given but the gate is None");
      }
    }
  }

  // An Embedding's word, position and token-type tables are each float, or an int8 constant
  // (the word table an int8 LM head shares, the tables of a quantized file; check_tensors holds
  // their scales to symmetric, one per row or one in all).
  void check_embedding_tables(const fb::NodeT& n, const std::string& where) const {
    if (!n.op.AsEmbeddingAttrs()) return;
    for (size_t i = 2; i < n.inputs.size() && i < 5; ++i) {
      if (n.inputs[i] < 0) continue;
      const fb::TensorT& t = *graph_.tensors[static_cast<size_t>(n.inputs[i])];
      const bool float_table =
          t.dtype == fb::DType::F32 || t.dtype == fb::DType::F16 || t.dtype == fb::DType::BF16;
      const bool int8_table = t.constant && t.dtype == fb::DType::I8;
      if (!float_table && !int8_table) {
        invalid(file_, where + " input " + std::to_string(i) + " ('" + t.name + "') is " +
                           fb::EnumNameDType(t.dtype) +
                           ", expected a float or int8 constant table");
      }
    }
  }

  void check_node(const fb::NodeT& n) {
    const std::string where = node_context(n);
    check_op(n, where);
    check_inputs(n, where);
    check_embedding_tables(n, where);
    if (n.outputs.size() != 1) {
      invalid(file_, where + ": " + std::to_string(n.outputs.size()) + " outputs, expected 1");
    }
    mark_produced(n.outputs[0], where + " output");
  }

  const fb::GraphT& graph_;
  const std::string& file_;
  std::vector<bool> available_;
};

}  // namespace

void check_nodes(const fb::GraphT& graph, const std::string& file_name) {
  GraphChecker(graph, file_name).run();
}

void validate_model(const fb::ModelT& desc, uint64_t data_section_size,
                    const std::string& file_name) {
  check_config(desc, file_name);
  check_tensors(*desc.graph, data_section_size, file_name);
  check_nodes(*desc.graph, file_name);
}

}  // namespace qtx::format
