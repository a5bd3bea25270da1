#include "engine/runtime/executor.h"

#include <chrono>
#include <string>

#include "engine/cpu/common/thread_limit.h"
#include "engine/ops/linear.h"
#include "engine/ops/op_slots.h"
#include "engine/runtime/input_checks.h"
#include "engine/runtime/node_runner.h"
#include "engine/util/half.h"
#include "qtx/error.h"

namespace qtx {
namespace {

[[noreturn]] void bad_graph(const std::string& message) {
  throw Error(ErrorCode::kInvalidFile, "graph: " + message);
}

// F16 and BF16 constants become float32 once, here, so no op converts per call.
Tensor to_float(const Tensor& t) {
  if (t.dtype() != DType::F16 && t.dtype() != DType::BF16) return t;
  Tensor out(DType::F32, t.shape());
  const auto* src = static_cast<const uint16_t*>(t.raw());
  float* dst = out.data<float>();
  if (t.dtype() == DType::F16) {
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = half_to_float(src[i]);
  } else {
    for (int64_t i = 0; i < t.numel(); ++i) dst[i] = bf16_to_float(src[i]);
  }
  return out;
}

void check_index(int index, size_t tensors, const std::string& where) {
  if (index < -1 || index >= static_cast<int>(tensors)) {
    bad_graph(where + " refers to tensor " + std::to_string(index) + " of " +
              std::to_string(tensors));
  }
}

bool is_causal_attention(const fb::NodeT& node) {
  const auto* attrs = node.op.AsAttentionAttrs();
  return attrs && attrs->causal;
}

}  // namespace

// Everything run() needs, built once: float32 constants, per-node plans (oneDNN matmuls over
// reordered weights, KV cache slots) and each tensor's last reader, so intermediates are
// freed as soon as nothing needs them.
struct Executor::Prepared {
  std::vector<Tensor> constants;  // by tensor index; empty for activations
  std::vector<runtime::NodePlan> plans;
  std::vector<int> last_use;  // by tensor index: the last node reading it, -1 if none
  std::shared_ptr<const cpu::DnnlEngine> dnnl;
  const fb::GraphT* graph_desc = nullptr;
  int ids = -1;
  int mask = -1;
  bool uses_cache = false;
  cpu::Int8Kernel int8_kernel = cpu::Int8Kernel::kAuto;

  Prepared(const ModelDef& model, const ExecutorOptions& options)
      : int8_kernel(options.int8_kernel) {
    if (!model.desc.graph || !model.desc.config) bad_graph("the model has no graph or config");
    graph_desc = &model.graph();
    const size_t n = graph_desc->tensors.size();
    if (model.constants.size() != n) bad_graph("constant table does not match the tensors");
    prepare_inputs(*graph_desc);
    constants.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (!graph_desc->tensors[i]->constant) continue;
      if (model.constants[i].empty()) {
        bad_graph("constant '" + graph_desc->tensors[i]->name + "' has no data");
      }
      constants[i] = to_float(model.constants[i]);
    }
    if (options.backend == Backend::kCpu) dnnl = std::make_shared<const cpu::DnnlEngine>();
    last_use.assign(n, -1);
    int slots = 0;
    for (const auto& node : graph_desc->nodes) {
      plans.push_back(plan_node(*node, n, slots));
      for (int input : node->inputs) {
        if (input >= 0) last_use[static_cast<size_t>(input)] = static_cast<int>(plans.size()) - 1;
      }
    }
    uses_cache = slots > 0;
    for (int output : graph_desc->outputs) {
      check_index(output, n, "graph outputs");
      if (output < 0) bad_graph("an output is absent");
      last_use[static_cast<size_t>(output)] = static_cast<int>(plans.size());
    }
  }

  void prepare_inputs(const fb::GraphT& graph) {
    if (graph.inputs.size() < 2) bad_graph("expected inputs input_ids and attention_mask");
    ids = graph.inputs[0];
    mask = graph.inputs[1];
    check_index(ids, graph.tensors.size(), "graph inputs");
    check_index(mask, graph.tensors.size(), "graph inputs");
    if (ids < 0 || mask < 0) bad_graph("input_ids or attention_mask is absent");
  }

  runtime::NodePlan plan_node(const fb::NodeT& node, size_t n, int& slots) const {
    for (int input : node.inputs) check_index(input, n, "node '" + node.name + "'");
    if (node.outputs.size() != 1) bad_graph("node '" + node.name + "' must have one output");
    check_index(node.outputs[0], n, "node '" + node.name + "'");
    if (node.outputs[0] < 0 || graph_constant(node.outputs[0])) {
      bad_graph("node '" + node.name + "' writes no activation tensor");
    }
    runtime::NodePlan plan;
    plan.node = &node;
    plan.output_quant = graph_tensor(node.outputs[0]).quant.get();
    for (int input : node.inputs) {
      plan.input_quant.push_back(input >= 0 ? graph_tensor(input).quant.get() : nullptr);
    }
    if (is_causal_attention(node)) plan.cache_slot = slots++;
    if (dnnl && node.op.AsLinearAttrs()) prepare_linear(node, plan);
    return plan;
  }

  const fb::TensorT& graph_tensor(int index) const {
    return *graph_desc->tensors[static_cast<size_t>(index)];
  }

  // The matmul of a Linear whose weight (and bias) are constants, by its mode: a oneDNN float
  // matmul (float weights, or weight-only's dequantized once here), or the int8 GEMM. Other
  // Linears run the reference kernel.
  void prepare_linear(const fb::NodeT& node, runtime::NodePlan& plan) const {
    using Slot = ops::LinearSlots;
    if (node.inputs.size() <= Slot::kWeight || !graph_constant(node.inputs[Slot::kWeight])) return;
    const Tensor& weight = constants[static_cast<size_t>(node.inputs[Slot::kWeight])];
    const bool has_bias = node.inputs.size() > Slot::kBias && node.inputs[Slot::kBias] >= 0;
    if (has_bias && !graph_constant(node.inputs[Slot::kBias])) return;
    const Tensor* bias =
        has_bias ? &constants[static_cast<size_t>(node.inputs[Slot::kBias])] : nullptr;
    const ops::OpContext ctx{node.name, false};
    const fb::LinearAttrsT& attrs = *node.op.AsLinearAttrs();
    const ops::LinearQuant quant{plan.input_quant[Slot::kX], plan.input_quant[Slot::kWeight],
                                 nullptr};
    const ops::LinearMode mode = ops::linear_mode(attrs, weight, quant);
    const float* bias_data = bias ? bias->data<float>() : nullptr;
    if (mode == ops::LinearMode::kFloat) {
      ops::check_linear_weights(ctx, weight, bias);
      plan.linear = std::make_unique<cpu::DnnlLinear>(
          dnnl, weight.data<float>(), bias_data, weight.dim(0), weight.dim(1), attrs.activation);
      return;
    }
    const kernels::Int8Weight w = ops::int8_weight(ctx, weight, quant.weight);
    if (mode == ops::LinearMode::kWeightOnly) {
      plan.dequantized_weight = cpu::dequantize_weight(w);
      plan.linear = std::make_unique<cpu::DnnlLinear>(dnnl, plan.dequantized_weight.data(),
                                                      bias_data, w.n, w.k, attrs.activation);
      return;
    }
    const kernels::QuantGrid input_grid = mode == ops::LinearMode::kStatic
                                              ? ops::static_input_grid(ctx, *quant.input)
                                              : kernels::QuantGrid{};
    const cpu::Int8LinearSpec spec{mode == ops::LinearMode::kStatic ? &input_grid : nullptr,
                                   bias_data, attrs.activation};
    plan.int8_linear =
        std::make_unique<cpu::Int8Gemm>(dnnl, w, spec, int8_kernel, "node '" + node.name + "'");
  }

  bool graph_constant(int index) const {
    return index >= 0 && !constants[static_cast<size_t>(index)].empty();
  }
};

Executor::Executor(std::shared_ptr<const ModelDef> model, ExecutorOptions options)
    : model_(std::move(model)), options_(options) {
  if (!model_) throw Error(ErrorCode::kInvalidArgument, "executor: no model");
  prepared_ = std::make_unique<Prepared>(*model_, options_);
}

Executor::~Executor() = default;

std::vector<Tensor> Executor::run(const RunInputs& inputs, KvCache* cache, RunObserver* observer,
                                  NodeTimer* timer) const {
  const Prepared& p = *prepared_;
  const fb::GraphT& graph = model_->graph();
  const fb::ConfigT& config = model_->config();
  KvCache* kv = p.uses_cache ? cache : nullptr;
  const int64_t past = kv ? kv->length() : 0;
  runtime::check_run_inputs(inputs, past, config.vocab_size, config.max_positions);
  const cpu::ThreadLimit threads(options_.threads);

  std::vector<Tensor> values(graph.tensors.size());
  values[static_cast<size_t>(p.ids)] = inputs.input_ids;
  values[static_cast<size_t>(p.mask)] = inputs.attention_mask;
  auto lookup = [&](int index) -> const Tensor* {
    if (index < 0) return nullptr;
    const auto i = static_cast<size_t>(index);
    const Tensor& t = p.constants[i].empty() ? values[i] : p.constants[i];
    if (t.empty()) bad_graph("tensor '" + graph.tensors[i]->name + "' is read before written");
    return &t;
  };
  std::vector<const Tensor*> args;
  for (size_t n = 0; n < p.plans.size(); ++n) {
    const fb::NodeT& node = *p.plans[n].node;
    args.clear();
    for (int input : node.inputs) args.push_back(lookup(input));
    const runtime::NodeObserver node_observer = [&](std::string_view what, const Tensor& value) {
      observer->observe(static_cast<int>(n), what, value);
    };
    const auto start =
        timer ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    values[static_cast<size_t>(node.outputs[0])] =
        runtime::run_node(p.plans[n], args, options_.backend == Backend::kReference,
                          options_.threads, kv, observer ? &node_observer : nullptr);
    if (timer) {
      const std::chrono::duration<double, std::milli> elapsed =
          std::chrono::steady_clock::now() - start;
      timer->node_done(static_cast<int>(n), node, elapsed.count());
    }
    for (int input : node.inputs) {
      if (input >= 0 && p.last_use[static_cast<size_t>(input)] == static_cast<int>(n)) {
        values[static_cast<size_t>(input)] = Tensor();
      }
    }
  }
  if (kv) kv->commit(inputs.input_ids.dim(0), past + inputs.input_ids.dim(1));
  std::vector<Tensor> outputs;
  for (int output : graph.outputs) outputs.push_back(*lookup(output));
  return outputs;
}

}  // namespace qtx
