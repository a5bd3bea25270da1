// Linear (y = act(x W^T + b)) as a oneDNN matmul. The weight is reordered once, at
// construction, into the blocked layout oneDNN prefers; run() then only binds pointers.
// Primitives are created per row count M on first use and cached (mutex-guarded), so one
// DnnlLinear serves concurrent callers. oneDNN types stay behind the pimpl: only engine/cpu/
// sees them.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/cpu/common/dnnl_engine.h"
#include "qtx_generated.h"

namespace qtx::cpu {

class DnnlLinear {
 public:
  // weight: [n, k] row-major; it must outlive this object (row counts for which oneDNN has no
  // kernel over the packed copy use it in place). bias: [n] or nullptr (copied).
  DnnlLinear(std::shared_ptr<const DnnlEngine> engine, const float* weight, const float* bias,
             int64_t n, int64_t k, fb::Activation act);
  ~DnnlLinear();
  DnnlLinear(const DnnlLinear&) = delete;
  DnnlLinear& operator=(const DnnlLinear&) = delete;

  // x: [m, k], y: [m, n].
  void run(const float* x, int64_t m, float* y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtx::cpu
