// The gate of gated attention (Bondarenko et al. 2023): each head's context of each token is
// multiplied by sigmoid(G_h(x_h)), x_h being that head's slice of the attention block's input.
#pragma once

#include <cstdint>

namespace qtx::cpu {

// G_h is Linear (w1 = nullptr): w [heads, dh], b [heads];
// or an MLP (w1 set): relu(x_h w1_h^T + b1_h) . w2_h + b2_h with w1 [heads, r, dh],
// b1 [heads, r], w2 [heads, r], b2 [heads].
struct GateWeights {
  const float* w = nullptr;
  const float* b = nullptr;
  const float* w1 = nullptr;
  const float* b1 = nullptr;
  const float* w2 = nullptr;
  const float* b2 = nullptr;
  int64_t hidden = 0;  // r, the MLP's width
};

// x, context: [tokens, heads*dh]; context is scaled in place.
void apply_gate(const GateWeights& gate, const float* x, int64_t tokens, int64_t heads, int64_t dh,
                float* context);

}  // namespace qtx::cpu
