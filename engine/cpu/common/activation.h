// Elementwise activations on float32 (DESIGN.md "Graph and ops"): the exact-erf GELU of BERT,
// the tanh approximation, ReLU (OPT) and tanh (the BERT pooler), as PyTorch defines them.
#pragma once

#include <cstdint>

#include "qtx_generated.h"

namespace qtx::cpu {

// x[i] = act(x[i]) for i < n; Activation::None leaves x unchanged.
void apply_activation(fb::Activation act, float* x, int64_t n);

}  // namespace qtx::cpu
