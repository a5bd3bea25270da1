// The oneDNN CPU engine one Executor's primitives share (float and int8 matmuls alike), with
// the scratch memory they draw from: every qtx primitive runs in user-scratchpad mode, so one
// primitive serves concurrent callers and no call allocates its own packing buffers.
// oneDNN types stay behind the pimpl (dnnl_engine_impl.h, for engine/cpu/ sources only).
#pragma once

#include <memory>

namespace qtx::cpu {

class DnnlEngine {
 public:
  DnnlEngine();
  ~DnnlEngine();
  DnnlEngine(const DnnlEngine&) = delete;
  DnnlEngine& operator=(const DnnlEngine&) = delete;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtx::cpu
