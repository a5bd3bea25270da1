#include "engine/cpu/attention/attention_gate.h"

#include <cmath>

namespace qtx::cpu {
namespace {

float dot(const float* a, const float* b, int64_t n) {
  float acc = 0.0f;
  for (int64_t i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

float gate_logit(const GateWeights& g, const float* xh, int64_t h, int64_t dh) {
  if (!g.w1) return dot(g.w + h * dh, xh, dh) + g.b[h];
  float logit = g.b2[h];
  for (int64_t k = 0; k < g.hidden; ++k) {
    const float z = dot(g.w1 + (h * g.hidden + k) * dh, xh, dh) + g.b1[h * g.hidden + k];
    if (z > 0.0f) logit += z * g.w2[h * g.hidden + k];
  }
  return logit;
}

}  // namespace

void apply_gate(const GateWeights& gate, const float* x, int64_t tokens, int64_t heads, int64_t dh,
                float* context) {
  const int64_t row = heads * dh;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < heads; ++h) {
      const float logit = gate_logit(gate, x + t * row + h * dh, h, dh);
      const float g = 1.0f / (1.0f + std::exp(-logit));
      float* c = context + t * row + h * dh;
      for (int64_t d = 0; d < dh; ++d) c[d] *= g;
    }
  }
}

}  // namespace qtx::cpu
