// Runs one graph node: unpacks its op union, gathers its inputs and calls the op (engine/ops),
// then fake-quantizes the output when its tensor carries quant params (fused into the int8
// Linear's epilogue when nothing observes the value before). A NodePlan is what the Executor
// prepared for the node: the matmul of a Linear with a constant weight (float, weight-only over
// dequantized weights, or int8), the quant params around it and the KV cache slot of a causal
// Attention.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/cpu/linear/dnnl_linear.h"
#include "engine/cpu/linear/int8_gemm.h"
#include "engine/graph/tensor.h"
#include "engine/runtime/kv_cache.h"
#include "qtx_generated.h"

namespace qtx::runtime {

struct NodePlan {
  const fb::NodeT* node = nullptr;
  std::vector<float> dequantized_weight;             // weight-only Linear: what `linear` runs over
  std::unique_ptr<cpu::DnnlLinear> linear;           // Backend::kCpu Linear over a constant weight
  std::unique_ptr<cpu::Int8Gemm> int8_linear;        // Backend::kCpu static or dynamic W8A8 Linear
  int cache_slot = -1;                               // causal Attention: its layer in the KvCache
  std::vector<const fb::QuantParamsT*> input_quant;  // by input; nullptr: not quantized
  const fb::QuantParamsT* output_quant = nullptr;
};

// Sees the node's values before their fake quantization: "output", and an Attention's
// "scores" and "probs".
using NodeObserver = std::function<void(std::string_view what, const Tensor& value)>;

// inputs[i]: the tensor of node input i, or nullptr for an absent optional input (-1).
// cache: the run's KV cache, or nullptr; observer: nullptr when nothing observes the run.
// Returns the node's single output.
Tensor run_node(const NodePlan& plan, std::span<const Tensor* const> inputs, bool reference,
                int threads, KvCache* cache, const NodeObserver* observer = nullptr);

}  // namespace qtx::runtime
