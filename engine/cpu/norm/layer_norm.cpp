#include "engine/cpu/norm/layer_norm.h"

#include <algorithm>
#include <cmath>

#include "engine/cpu/common/parallel_for.h"

namespace qtx::cpu {
namespace {

// Sums in kLanes interleaved double partial sums: a fixed order that the
// compiler vectorises (a sequential double sum it may not reorder), in double
// so that rows with a large offset (outlier channels) lose nothing to
// cancellation.
constexpr int64_t kLanes = 8;

template <typename Term>
[[gnu::always_inline]] inline double lane_sum(int64_t n, Term term) {
  double lanes[kLanes] = {};
  const int64_t whole = n - n % kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) lanes[j] += term(i + j);
  }
  for (int64_t i = whole; i < n; ++i) lanes[0] += term(i);
  double total = 0.0;
  for (double lane : lanes) total += lane;
  return total;
}

// Two passes: the mean first, then the variance around it. Compiled for AVX2 +
// FMA and for baseline x86-64 (the build's target), picked at load time.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void normalize_row(const float* x,
                                                                       const float* gamma,
                                                                       const float* beta, int64_t n,
                                                                       float epsilon, float* y) {
  const double mean = lane_sum(n, [x](int64_t i) { return double{x[i]}; }) / static_cast<double>(n);
  const double var = lane_sum(n,
                              [x, mean](int64_t i) {
                                const double d = x[i] - mean;
                                return d * d;
                              }) /
                     static_cast<double>(n);
  const float inv_std = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(epsilon)));
  const auto m = static_cast<float>(mean);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * inv_std * gamma[i] + beta[i];
}

}  // namespace

void layer_norm(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t n,
                float epsilon, int threads, float* y, const QuantGrid* output) {
  // A thread is worth it for a few thousand elements.
  constexpr int64_t kMinElementsPerThread = 1 << 13;
  const int64_t min_rows = std::max<int64_t>(1, kMinElementsPerThread / std::max<int64_t>(n, 1));
  parallel_for(rows, threads, min_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      normalize_row(x + r * n, gamma, beta, n, epsilon, y + r * n);
      if (output) fake_quantize(*output, y + r * n, n);
    }
  });
}

}  // namespace qtx::cpu
