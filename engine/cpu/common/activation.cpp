#include "engine/cpu/common/activation.h"

#include "engine/cpu/common/vector_math.h"

namespace qtx::cpu {
namespace {

// One loop per kind, each a plain contiguous loop over branch-free math that
// the compiler vectorises; compiled twice (AVX2 + FMA and baseline x86-64) and
// picked at load time, since the build targets baseline x86-64.
template <typename F>
[[gnu::always_inline]] inline void apply(float* x, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) x[i] = f(x[i]);
}

}  // namespace

[[gnu::target_clones("arch=x86-64-v3", "default")]] void apply_activation(fb::Activation act,
                                                                          float* x, int64_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
  switch (act) {
    case fb::Activation::None:
      return;
    case fb::Activation::Gelu:
      apply(x, n, [](float v) { return 0.5f * v * (1.0f + erf_fast(v * kInvSqrt2)); });
      return;
    case fb::Activation::GeluTanh:
      apply(x, n, [](float v) {
        return 0.5f * v * (1.0f + tanh_fast(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
      });
      return;
    case fb::Activation::Relu:
      apply(x, n, [](float v) { return v > 0.0f ? v : 0.0f; });
      return;
    case fb::Activation::Tanh:
      apply(x, n, [](float v) { return tanh_fast(v); });
      return;
  }
}

}  // namespace qtx::cpu
