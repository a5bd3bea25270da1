// The gate of gated attention (Bondarenko et al. 2023): each head's context of each token is
// multiplied by sigmoid(G_h(x_h)), x_h being that head's slice of the attention block's input.
#pragma once

#include <cstdint>

#include "engine/kernels/attention_operands.h"

namespace qtx::cpu {

using kernels::GateWeights;  // the contract's gate tensors

// x, context: [tokens, heads*dh]; context is scaled in place.
void apply_gate(const GateWeights& gate, const float* x, int64_t tokens, int64_t heads, int64_t dh,
                float* context);

}  // namespace qtx::cpu
