#include "engine/runtime/node_runner.h"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/cpu/common/quantize.h"
#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layer_norm.h"
#include "engine/ops/linear.h"
#include "engine/ops/op_slots.h"
#include "engine/ops/pooling.h"

namespace qtx::runtime {
namespace {

// The node's inputs with their arity checked once, so each op sees what it expects.
class Inputs {
 public:
  Inputs(const ops::OpContext& ctx, std::span<const Tensor* const> inputs, size_t required)
      : ctx_(ctx), inputs_(inputs) {
    if (inputs_.size() < required) {
      ops::fail(ctx_, ErrorCode::kInvalidFile,
                "has " + std::to_string(inputs_.size()) + " inputs, expected at least " +
                    std::to_string(required));
    }
  }
  const Tensor& at(size_t i) const {
    if (!inputs_[i]) {
      ops::fail(ctx_, ErrorCode::kInvalidFile, "input " + std::to_string(i) + " is absent");
    }
    return *inputs_[i];
  }
  const Tensor* optional(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  size_t size() const { return inputs_.size(); }

 private:
  const ops::OpContext& ctx_;
  std::span<const Tensor* const> inputs_;
};

const fb::QuantParamsT* input_quant(const NodePlan& plan, size_t i) {
  return i < plan.input_quant.size() ? plan.input_quant[i] : nullptr;
}

Tensor run_attention(const ops::OpContext& ctx, const NodePlan& plan, const Inputs& in,
                     ops::CacheSlot cache, const NodeObserver* observer) {
  const fb::AttentionAttrsT& attrs = *plan.node->op.AsAttentionAttrs();
  using Slot = ops::AttentionSlots;
  std::vector<const Tensor*> gate;
  for (size_t i = Slot::kGateWeights; i < in.size(); ++i) gate.push_back(in.optional(i));
  const bool gated = attrs.gate != fb::GateKind::None;
  const ops::AttentionInputs args{in.at(Slot::kQ),
                                  in.at(Slot::kK),
                                  in.at(Slot::kV),
                                  in.at(Slot::kMask),
                                  gated ? in.optional(Slot::kGateInput) : nullptr,
                                  gated ? std::move(gate) : std::vector<const Tensor*>{}};
  const ops::AttentionQuant quant{input_quant(plan, Slot::kQ), input_quant(plan, Slot::kK),
                                  input_quant(plan, Slot::kV)};
  return ops::attention(ctx, attrs, args, cache, quant, observer);
}

// Whether the op fake-quantizes its own output (in its epilogue, or row by row while the
// values are in cache) instead of run_node's separate pass: Linear, and LayerNorm and Add on a
// per-tensor grid (others fall back to fake_quantize_tensor, which checks and reports them).
bool fuses_output_quant(const NodePlan& plan) {
  const fb::QuantParamsT* q = plan.output_quant;
  const bool per_tensor = q && q->axis == -1 && q->scales.size() == 1;
  switch (plan.node->op.type) {
    case fb::Op::LinearAttrs:
      return q != nullptr;
    case fb::Op::LayerNormAttrs:
    case fb::Op::AddAttrs:
      return per_tensor;
    default:
      return false;
  }
}

// The op itself; fuse_output_quant: the op applies the node's output quantizer itself.
Tensor run_op(const ops::OpContext& ctx, const NodePlan& plan,
              std::span<const Tensor* const> inputs, KvCache* cache, bool fuse_output_quant,
              const NodeObserver* observer) {
  const fb::OpUnion& op = plan.node->op;
  // LayerNorm and Add take the grid (fuses_output_quant checked it is one per-tensor grid); a
  // Linear takes the params themselves.
  std::optional<kernels::QuantGrid> output_grid;
  if (fuse_output_quant && op.type != fb::Op::LinearAttrs) {
    output_grid = kernels::grid_of(*plan.output_quant);
  }
  const kernels::QuantGrid* output = output_grid ? &*output_grid : nullptr;
  switch (op.type) {
    case fb::Op::EmbeddingAttrs: {
      using Slot = ops::EmbeddingSlots;
      const Inputs in(ctx, inputs, Slot::kArity.required);
      return ops::embedding(
          ctx, *op.AsEmbeddingAttrs(),
          {in.at(Slot::kIds), in.at(Slot::kMask), in.at(Slot::kWordTable),
           in.at(Slot::kPositionTable), in.optional(Slot::kTokenTypeTable),
           in.optional(Slot::kTokenTypeIds), input_quant(plan, Slot::kWordTable),
           input_quant(plan, Slot::kPositionTable), input_quant(plan, Slot::kTokenTypeTable)});
    }
    case fb::Op::LayerNormAttrs: {
      using Slot = ops::LayerNormSlots;
      const Inputs in(ctx, inputs, Slot::kArity.required);
      return ops::layer_norm(ctx, *op.AsLayerNormAttrs(), in.at(Slot::kX), in.at(Slot::kGamma),
                             in.at(Slot::kBeta), output);
    }
    case fb::Op::LinearAttrs: {
      using Slot = ops::LinearSlots;
      const Inputs in(ctx, inputs, Slot::kArity.required);
      const ops::LinearQuant quant{input_quant(plan, Slot::kX), input_quant(plan, Slot::kWeight),
                                   fuse_output_quant ? plan.output_quant : nullptr};
      return ops::linear(ctx, *op.AsLinearAttrs(), in.at(Slot::kX), in.at(Slot::kWeight),
                         in.optional(Slot::kBias), quant,
                         {plan.linear.get(), plan.int8_linear.get()},
                         {in.optional(Slot::kOutlierColumns), in.optional(Slot::kOutlierWeight)});
    }
    case fb::Op::AttentionAttrs: {
      const Inputs in(ctx, inputs, ops::AttentionSlots::kGateInput);
      const ops::CacheSlot slot{plan.cache_slot >= 0 ? cache : nullptr, plan.cache_slot};
      return run_attention(ctx, plan, in, slot, observer);
    }
    case fb::Op::ActivationAttrs: {
      const Inputs in(ctx, inputs, ops::ActivationSlots::kArity.required);
      return ops::activation(ctx, *op.AsActivationAttrs(), in.at(ops::ActivationSlots::kX));
    }
    case fb::Op::AddAttrs: {
      using Slot = ops::AddSlots;
      const Inputs in(ctx, inputs, Slot::kArity.required);
      return ops::add(ctx, in.at(Slot::kA), in.at(Slot::kB), output);
    }
    case fb::Op::PoolingAttrs: {
      using Slot = ops::PoolingSlots;
      const Inputs in(ctx, inputs, Slot::kArity.required);
      return ops::pooling(ctx, *op.AsPoolingAttrs(), in.at(Slot::kX), in.at(Slot::kMask));
    }
    case fb::Op::NONE:
      break;
  }
  ops::fail(ctx, ErrorCode::kInvalidFile, "unknown op");
}

}  // namespace

Tensor run_node(const NodePlan& plan, std::span<const Tensor* const> inputs, bool reference,
                int threads, KvCache* cache, const NodeObserver* observer) {
  const fb::NodeT& node = *plan.node;
  // The reference backend stays single-threaded: it defines the semantics, simply.
  const ops::OpContext ctx{node.name, reference, reference ? 1 : threads};
  const bool fused = !observer && fuses_output_quant(plan);
  Tensor out = run_op(ctx, plan, inputs, cache, fused, observer);
  if (observer) (*observer)("output", out);
  if (!plan.output_quant || fused) return out;
  if (observer) {
    // The observer may keep the value it saw: quantize a copy, not the tensor it holds.
    Tensor copy(out.dtype(), out.shape());
    std::memcpy(copy.raw_mutable(), out.raw(), out.nbytes());
    out = std::move(copy);
  }
  cpu::fake_quantize_tensor(*plan.output_quant, "node '" + node.name + "' output", out);
  return out;
}

}  // namespace qtx::runtime
