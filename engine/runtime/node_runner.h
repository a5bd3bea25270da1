// Runs one graph node: unpacks its op union, gathers its inputs and calls the op (engine/ops).
// A NodePlan is what the Executor prepared for the node: the oneDNN matmul of a Linear with a
// constant weight, and the KV cache slot of a causal Attention.
#pragma once

#include <memory>
#include <span>

#include "engine/cpu/dnnl_linear.h"
#include "engine/graph/tensor.h"
#include "engine/runtime/kv_cache.h"
#include "qtx_generated.h"

namespace qtx::runtime {

struct NodePlan {
  const fb::NodeT* node = nullptr;
  std::unique_ptr<cpu::DnnlLinear> linear;  // Backend::kCpu Linear over a constant weight
  int cache_slot = -1;                      // causal Attention: its layer in the KvCache
};

// inputs[i]: the tensor of node input i, or nullptr for an absent optional input (-1).
// cache: the run's KV cache, or nullptr. Returns the node's single output.
Tensor run_node(const NodePlan& plan, std::span<const Tensor* const> inputs, bool reference,
                int threads, KvCache* cache);

}  // namespace qtx::runtime
