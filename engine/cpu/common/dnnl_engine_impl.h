// DnnlEngine's insides, for the engine/cpu/ sources that build oneDNN primitives on it.
#pragma once

#include "engine/cpu/common/dnnl_engine.h"
#include "engine/cpu/common/scratch_pool.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace qtx::cpu {

struct DnnlEngine::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  // The scratchpads of every primitive on this engine (user-scratchpad mode).
  mutable ScratchPool scratch;
};

}  // namespace qtx::cpu
