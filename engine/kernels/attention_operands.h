// The operands of the attention op every backend runs (engine/format/qtx.fbs, AttentionAttrs):
// strided views of keys and values (fresh projections or the KV cache), the problem's shape,
// which keys a query may see and how probabilities are formed, and the gate's tensors.
#pragma once

#include <cstdint>

namespace qtx::kernels {

// Element (b, h, t, d) of keys or values is data[b*batch + h*head + t*token + d].
struct KvView {
  const float* data;
  int64_t batch_stride;
  int64_t head_stride;
  int64_t token_stride;
};

struct AttentionShape {
  int64_t batch;
  int64_t seq;    // new (query) tokens S
  int64_t total;  // keys T = past + S
  int64_t heads;
  int64_t dh;
};

// Which keys a query may see and how probabilities are formed.
struct AttentionRule {
  float scale;
  bool causal;   // key t is hidden from query s when t > past + s
  bool clipped;  // clip((zeta - gamma) * softmax + gamma, 0, 1)
  float gamma;
  float zeta;
};

// The gate of gated attention (Bondarenko et al. 2023), per head h on that head's slice x_h of
// the attention block's input: G_h is Linear (w1 = nullptr): w [heads, dh], b [heads];
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

}  // namespace qtx::kernels
