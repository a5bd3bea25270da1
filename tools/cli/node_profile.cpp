#include "tools/cli/node_profile.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "engine/ops/op_slots.h"
#include "qtx/error.h"

namespace qtx::cli {
namespace {

constexpr double kPercent = 100.0;

const fb::QuantParamsT* tensor_quant(const ModelDef& model, int index) {
  if (index < 0 || static_cast<size_t>(index) >= model.graph().tensors.size()) return nullptr;
  return model.graph().tensors[static_cast<size_t>(index)]->quant.get();
}

// An empty Tensor (not a constant) has dtype F32.
const Tensor& constant_at(const ModelDef& model, int index) {
  static const Tensor kNone;
  if (index < 0 || static_cast<size_t>(index) >= model.constants.size()) return kNone;
  return model.constants[static_cast<size_t>(index)];
}

std::string linear_kind(const ModelDef& model, const fb::NodeT& node) {
  switch (linear_node_mode(model, node)) {
    case ops::LinearMode::kFloat:
      return "Linear float";
    case ops::LinearMode::kWeightOnly:
      return "Linear weight-only";
    case ops::LinearMode::kStatic:
      return "Linear int8-static";
    case ops::LinearMode::kDynamic:
      return "Linear int8-dynamic";
  }
  return "Linear";
}

// The integer attention runs when q carries quant params (qtx.fbs, AttentionAttrs).
std::string attention_kind(const ModelDef& model, const fb::NodeT& node) {
  const bool int8 = !node.inputs.empty() && tensor_quant(model, node.inputs[0]) != nullptr;
  return int8 ? "Attention int8" : "Attention";
}

// Accumulates each node's time over the timed passes.
class NodeClock : public NodeTimer {
 public:
  explicit NodeClock(size_t nodes) : ms_(nodes, 0.0) {}
  void node_done(int node_index, const fb::NodeT& /*node*/, double ms) override {
    ms_.at(static_cast<size_t>(node_index)) += ms;
  }
  const std::vector<double>& ms() const { return ms_; }

 private:
  std::vector<double> ms_;
};

NodeProfile summarize(const ModelDef& model, const std::vector<double>& total_ms, int forwards) {
  NodeProfile profile;
  profile.forwards = forwards;
  std::map<std::string, KindTime> kinds;
  const auto& nodes = model.graph().nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string kind = node_kind(model, *nodes[i]);
    const double ms = total_ms[i] / static_cast<double>(forwards);
    profile.nodes.push_back({nodes[i]->name, kind, ms});
    KindTime& k = kinds[kind];
    k.kind = kind;
    ++k.nodes;
    k.ms += ms;
    profile.total_ms += ms;
  }
  for (auto& [name, time] : kinds) profile.kinds.push_back(time);
  std::stable_sort(profile.kinds.begin(), profile.kinds.end(),
                   [](const KindTime& a, const KindTime& b) { return a.ms > b.ms; });
  std::stable_sort(profile.nodes.begin(), profile.nodes.end(),
                   [](const NodeTime& a, const NodeTime& b) { return a.ms > b.ms; });
  return profile;
}

double percent_of(double ms, double total_ms) {
  return total_ms > 0.0 ? kPercent * ms / total_ms : 0.0;
}

}  // namespace

ops::LinearMode linear_node_mode(const ModelDef& model, const fb::NodeT& linear) {
  using Slot = ops::LinearSlots;
  if (linear.inputs.size() <= Slot::kWeight || !linear.op.AsLinearAttrs()) {
    throw Error(ErrorCode::kInvalidFile, "profile: node '" + linear.name + "' is not a Linear");
  }
  const ops::LinearQuant quant{tensor_quant(model, linear.inputs[Slot::kX]),
                               tensor_quant(model, linear.inputs[Slot::kWeight]), nullptr};
  return ops::linear_mode(*linear.op.AsLinearAttrs(),
                          constant_at(model, linear.inputs[Slot::kWeight]), quant);
}

std::string node_kind(const ModelDef& model, const fb::NodeT& node) {
  switch (node.op.type) {
    case fb::Op::LinearAttrs:
      return linear_kind(model, node);
    case fb::Op::AttentionAttrs:
      return attention_kind(model, node);
    case fb::Op::EmbeddingAttrs:
      return "Embedding";
    case fb::Op::LayerNormAttrs:
      return "LayerNorm";
    case fb::Op::ActivationAttrs:
      return "Activation";
    case fb::Op::AddAttrs:
      return "Add";
    case fb::Op::PoolingAttrs:
      return "Pooling";
    case fb::Op::NONE:
      break;
  }
  throw Error(ErrorCode::kInvalidFile, "profile: node '" + node.name + "' has no op");
}

NodeProfile profile_forward(const Executor& executor, const RunInputs& inputs, int warmup,
                            int iterations) {
  if (iterations < 1) {
    throw Error(ErrorCode::kInvalidArgument, "profile: needs at least one timed forward pass");
  }
  for (int i = 0; i < warmup; ++i) executor.run(inputs, nullptr);
  NodeClock clock(executor.model().graph().nodes.size());
  for (int i = 0; i < iterations; ++i) executor.run(inputs, nullptr, nullptr, &clock);
  return summarize(executor.model(), clock.ms(), iterations);
}

void print_profile(const NodeProfile& profile, double forward_ms, size_t top) {
  std::printf("%-22s %.3f ms per forward over %d passes (benchmark median %.3f ms)\n",
              "profile: node total", profile.total_ms, profile.forwards, forward_ms);
  std::printf("  %-22s %6s %10s %7s\n", "kind", "nodes", "ms", "%");
  for (const KindTime& k : profile.kinds) {
    std::printf("  %-22s %6lld %10.3f %6.1f%%\n", k.kind.c_str(), static_cast<long long>(k.nodes),
                k.ms, percent_of(k.ms, profile.total_ms));
  }
  std::printf("  slowest nodes:\n");
  for (size_t i = 0; i < std::min(top, profile.nodes.size()); ++i) {
    const NodeTime& n = profile.nodes[i];
    std::printf("  %-40s %-20s %10.3f %6.1f%%\n", n.name.c_str(), n.kind.c_str(), n.ms,
                percent_of(n.ms, profile.total_ms));
  }
}

Json profile_kinds_json(const NodeProfile& profile) {
  Json kinds{Json::Array{}};
  for (const KindTime& k : profile.kinds) {
    Json entry;
    entry.set("kind", k.kind);
    entry.set("nodes", k.nodes);
    entry.set("ms", k.ms);
    entry.set("percent", percent_of(k.ms, profile.total_ms));
    kinds.push_back(std::move(entry));
  }
  return kinds;
}

Json profile_nodes_json(const NodeProfile& profile, size_t top) {
  Json nodes{Json::Array{}};
  for (size_t i = 0; i < std::min(top, profile.nodes.size()); ++i) {
    const NodeTime& n = profile.nodes[i];
    Json entry;
    entry.set("name", n.name);
    entry.set("kind", n.kind);
    entry.set("ms", n.ms);
    nodes.push_back(std::move(entry));
  }
  return nodes;
}

}  // namespace qtx::cli
