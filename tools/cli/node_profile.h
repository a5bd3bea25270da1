// `qtx bench --profile`: where a forward pass spends its time, node by node. The forward runs
// through an Executor with a NodeTimer (which changes nothing about which kernels run), and the
// node times are aggregated by kind: the op, with Linears split by how they compute (float,
// int8 static, int8 dynamic, weight-only) and Attention by float or int8.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/graph/model_def.h"
#include "engine/ops/linear.h"
#include "engine/runtime/executor.h"
#include "engine/util/json.h"

namespace qtx::cli {

// How a Linear node of `model` computes (ops::linear_mode over its weight's dtype and the
// quant params around it). A weight that is not a constant is an activation, hence float.
ops::LinearMode linear_node_mode(const ModelDef& model, const fb::NodeT& linear);

// The profile kind of `node` in `model`, e.g. "Linear int8-static", "Attention", "LayerNorm".
std::string node_kind(const ModelDef& model, const fb::NodeT& node);

// Milliseconds per forward pass (the mean over the profiled passes).
struct KindTime {
  std::string kind;
  int64_t nodes = 0;  // nodes of this kind in the graph
  double ms = 0.0;
};

struct NodeTime {
  std::string name;
  std::string kind;
  double ms = 0.0;
};

struct NodeProfile {
  int forwards = 0;             // profiled passes
  double total_ms = 0.0;        // sum of all node times per pass
  std::vector<KindTime> kinds;  // every kind present in the graph, slowest first
  std::vector<NodeTime> nodes;  // every node, slowest first
};

// Runs `inputs` through `executor` without a KV cache (as Session::forward does): `warmup`
// untimed passes, then `iterations` passes with every node timed.
NodeProfile profile_forward(const Executor& executor, const RunInputs& inputs, int warmup,
                            int iterations);

// The per-kind table (ms per forward, % of the node total) and the `top` slowest nodes;
// `forward_ms` (the benchmark's median) is printed beside the node total for comparison.
void print_profile(const NodeProfile& profile, double forward_ms, size_t top);

// {"kind", "nodes", "ms", "percent"} per kind; the top nodes as {"name", "kind", "ms"}.
Json profile_kinds_json(const NodeProfile& profile);
Json profile_nodes_json(const NodeProfile& profile, size_t top);

}  // namespace qtx::cli
