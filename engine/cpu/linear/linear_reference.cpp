#include "engine/cpu/linear/linear_reference.h"

#include "engine/cpu/common/activation.h"

namespace qtx::cpu {

void linear_reference(const float* x, const float* weight, const float* bias, int64_t m, int64_t n,
                      int64_t k, fb::Activation act, float* y) {
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * k;
    float* yr = y + r * n;
    for (int64_t c = 0; c < n; ++c) {
      const float* wc = weight + c * k;
      double acc = bias ? bias[c] : 0.0;
      for (int64_t i = 0; i < k; ++i) acc += static_cast<double>(xr[i]) * wc[i];
      yr[c] = static_cast<float>(acc);
    }
    apply_activation(act, yr, n);
  }
}

}  // namespace qtx::cpu
