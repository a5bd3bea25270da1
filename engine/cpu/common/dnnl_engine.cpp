#include "engine/cpu/common/dnnl_engine.h"

#include "engine/cpu/common/dnnl_engine_impl.h"

namespace qtx::cpu {

DnnlEngine::DnnlEngine() : impl_(std::make_unique<Impl>()) {}
DnnlEngine::~DnnlEngine() = default;

}  // namespace qtx::cpu
