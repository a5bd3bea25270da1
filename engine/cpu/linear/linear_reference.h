// The reference Linear: y = act(x W^T + b), one dot product per output in double precision.
// It defines the semantics the oneDNN path (dnnl_linear.h) is tested against.
#pragma once

#include <cstdint>

#include "qtx_generated.h"

namespace qtx::cpu {

// x: [m, k]; weight: [n, k] (as torch.nn.Linear stores it); bias: [n] or nullptr; y: [m, n].
void linear_reference(const float* x, const float* weight, const float* bias, int64_t m, int64_t n,
                      int64_t k, fb::Activation act, float* y);

}  // namespace qtx::cpu
