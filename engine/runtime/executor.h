// Runs a ModelDef's graph on one backend. Prepared once per model (weights reordered for
// oneDNN, fused where possible); run() is const and keeps no state between calls, so many
// sessions may run one Executor concurrently. Decoders pass a KvCache that run() extends.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/cpu/linear/int8_kernel.h"
#include "engine/graph/model_def.h"
#include "engine/runtime/kv_cache.h"

namespace qtx {

enum class Backend {
  kCpu,        // oneDNN for matmuls, optimised C++ elsewhere
  kReference,  // plain C++ that defines the semantics; tests compare the others with it
};

struct ExecutorOptions {
  Backend backend = Backend::kCpu;
  int threads = 0;                                       // 0: all cores
  cpu::Int8Kernel int8_kernel = cpu::Int8Kernel::kAuto;  // kCpu's int8 Linears; tests force one
};

struct RunInputs {
  Tensor input_ids;       // I32 [B, S]; padded positions hold any valid id
  Tensor attention_mask;  // I32 [B, past + S]: 1 for real tokens, 0 for padding
};

// Sees every intermediate value of a run, in execution order: calibration records activation
// ranges with it, and a debugger can dump tensors layer by layer. `what` is "output" for the
// node's output tensor, or an op's internal quantization point ("scores", "probs" of an
// Attention). Values are observed before their own fake quantization.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void observe(int node_index, std::string_view what, const Tensor& value) = 0;
};

// Told each node's wall time (steady_clock, milliseconds) after it ran, for profiling (`qtx
// bench --profile`). Unlike a RunObserver, a timer changes nothing about how the run executes.
class NodeTimer {
 public:
  virtual ~NodeTimer() = default;
  virtual void node_done(int node_index, const fb::NodeT& node, double ms) = 0;
};

class Executor {
 public:
  Executor(std::shared_ptr<const ModelDef> model, ExecutorOptions options);
  ~Executor();

  // The graph's outputs in order (logits [B,S,V] or hidden states [B,S,H] first).
  // Token ids outside the vocabulary, mask/ids shape mismatches and inputs longer than the
  // model's positions are errors (kInvalidArgument). The clock is read only when a timer is
  // given.
  std::vector<Tensor> run(const RunInputs& inputs, KvCache* cache, RunObserver* observer = nullptr,
                          NodeTimer* timer = nullptr) const;

  const ModelDef& model() const { return *model_; }

 private:
  struct Prepared;
  std::shared_ptr<const ModelDef> model_;
  ExecutorOptions options_;
  std::unique_ptr<Prepared> prepared_;
};

}  // namespace qtx
