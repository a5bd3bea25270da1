// What qtx's two oneDNN matmul kinds (dnnl_linear.h, dnnl_int8_matmul.h) share: the weight
// layout is chosen once for a typical prefill, primitives are compiled per row count M on
// first use and kept (mutex-guarded, so one matmul serves concurrent callers), and each run
// draws its scratchpad from the engine's pool. For engine/cpu/ sources only (oneDNN types).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "engine/cpu/common/dnnl_engine_impl.h"

namespace qtx::cpu {

// The row count the weight layout is chosen for: a typical prefill (batch x sequence).
inline constexpr int64_t kDnnlLayoutRows = 128;

// A primitive for one row count, bound to the packed weights or, where oneDNN has no
// implementation for that layout at this row count, to the plain ones.
struct CompiledMatmul {
  dnnl::matmul matmul;
  dnnl::memory::desc scratch;
  bool packed = true;
};

class MatmulCache {
 public:
  using Compile = std::function<CompiledMatmul(int64_t rows)>;

  // The primitive for `rows`, compiled by `compile` the first time. Shared ownership: a
  // caller keeps its primitive even if the cache starts over meanwhile.
  std::shared_ptr<const CompiledMatmul> get(int64_t rows, const Compile& compile) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = compiled_.find(rows);
    if (it != compiled_.end()) return it->second;
    if (compiled_.size() >= kMaxCached) compiled_.clear();
    auto c = std::make_shared<const CompiledMatmul>(compile(rows));
    return compiled_.emplace(rows, std::move(c)).first->second;
  }

 private:
  // Distinct row counts kept; beyond it the cache starts over (bounded memory).
  static constexpr size_t kMaxCached = 64;

  mutable std::mutex mutex_;
  mutable std::map<int64_t, std::shared_ptr<const CompiledMatmul>> compiled_;
};

// Runs `c` on `args` (everything but the scratchpad) and waits for it.
inline void execute_matmul(const DnnlEngine& owner, const CompiledMatmul& c,
                           std::unordered_map<int, dnnl::memory> args) {
  const DnnlEngine::Impl& e = owner.impl();
  const ScratchPool::Lease lease = e.scratch.acquire(c.scratch.get_size());
  args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(c.scratch, e.engine, lease.data()));
  dnnl::stream stream(e.engine);
  c.matmul.execute(stream, args);
  stream.wait();
}

}  // namespace qtx::cpu
