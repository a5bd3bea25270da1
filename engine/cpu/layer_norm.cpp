#include "engine/cpu/layer_norm.h"

#include <cmath>

namespace qtx::cpu {

void layer_norm(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t n,
                float epsilon, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    // Two passes in double: the mean first, then the variance around it, so rows with a large
    // offset (outlier channels) do not lose precision to cancellation.
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += xr[i];
    const double mean = sum / static_cast<double>(n);
    double sq = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = xr[i] - mean;
      sq += d * d;
    }
    const double var = sq / static_cast<double>(n);
    const float inv_std = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(epsilon)));
    const float m = static_cast<float>(mean);
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - m) * inv_std * gamma[i] + beta[i];
  }
}

}  // namespace qtx::cpu
