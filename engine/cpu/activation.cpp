#include "engine/cpu/activation.h"

#include <cmath>

namespace qtx::cpu {
namespace {

// One loop per kind, so each is a plain contiguous loop the compiler vectorises.
template <typename F>
void apply(float* x, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) x[i] = f(x[i]);
}

}  // namespace

void apply_activation(fb::Activation act, float* x, int64_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
  switch (act) {
    case fb::Activation::None:
      return;
    case fb::Activation::Gelu:
      apply(x, n, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); });
      return;
    case fb::Activation::GeluTanh:
      apply(x, n, [](float v) {
        return 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
      });
      return;
    case fb::Activation::Relu:
      apply(x, n, [](float v) { return v > 0.0f ? v : 0.0f; });
      return;
    case fb::Activation::Tanh:
      apply(x, n, [](float v) { return std::tanh(v); });
      return;
  }
}

}  // namespace qtx::cpu
