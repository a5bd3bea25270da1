#include "engine/cpu/common/quantize.h"

#include <algorithm>
#include <cmath>

#include "engine/cpu/common/vec8.h"
#include "qtx/error.h"

namespace qtx::cpu {

// Cloned for AVX2: the division and rounding run on 8 lanes.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void fake_quantize(const QuantGrid& g, float* x,
                                                                       int64_t n) {
  const CentredRange range(g);
  const float scale = g.scale;
  for (int64_t i = 0; i < n; ++i) x[i] = centred_code(x[i], scale, range) * scale;
}

void fake_quantize_tensor(const fb::QuantParamsT& q, const std::string& what, Tensor& t) {
  if (q.scales.empty()) {
    throw Error(ErrorCode::kInvalidFile, what + ": quantization parameters have no scale");
  }
  float* x = t.data<float>();
  if (q.axis == -1) {
    fake_quantize(grid_of(q), x, t.numel());
    return;
  }
  if (q.axis < 0 || q.axis >= t.rank()) {
    throw Error(ErrorCode::kInvalidFile, what + ": quantization axis " + std::to_string(q.axis) +
                                             " is outside shape " + shape_string(t.shape()));
  }
  const int64_t channels = t.dim(q.axis);
  if (q.scales.size() != 1 && static_cast<int64_t>(q.scales.size()) != channels) {
    throw Error(ErrorCode::kInvalidFile,
                what + ": " + std::to_string(q.scales.size()) + " quantization scales along axis " +
                    std::to_string(q.axis) + " of shape " + shape_string(t.shape()));
  }
  int64_t inner = 1;
  for (int d = q.axis + 1; d < t.rank(); ++d) inner *= t.dim(d);
  const int64_t outer = t.numel() / (channels * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const size_t index = q.scales.size() == 1 ? 0 : static_cast<size_t>(c);
      fake_quantize(grid_of(q, index), x + (o * channels + c) * inner, inner);
    }
  }
}

namespace {

// min(0, min x) and max(0, max x), NaN ignored, as `lo = x < lo ? x : lo` in order would give:
// min and max are exact, so a scan in 8 independent lanes finds the same values. Written with
// Vec8 because GCC does not vectorise a running float min by itself (it would need
// -ffinite-math-only). Cloned for AVX2.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void row_range(const float* x, int64_t n,
                                                                   float& lo, float& hi) {
  constexpr int64_t kLanes = 8;
  Vec8 lane_lo = {}, lane_hi = {};
  const int64_t body = n / kLanes * kLanes;
  for (int64_t i = 0; i < body; i += kLanes) {
    const Vec8 v = vec_at(x + i);
    lane_lo = v < lane_lo ? v : lane_lo;
    lane_hi = v > lane_hi ? v : lane_hi;
  }
  lo = 0.0f, hi = 0.0f;
  for (int64_t j = 0; j < kLanes; ++j) {
    lo = lane_lo[j] < lo ? lane_lo[j] : lo;
    hi = lane_hi[j] > hi ? lane_hi[j] : hi;
  }
  for (int64_t i = body; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
}

}  // namespace

QuantGrid dynamic_row_grid(const float* x, int64_t n) {
  float lo = 0.0f, hi = 0.0f;
  row_range(x, n, lo, hi);
  QuantGrid g;
  g.qmin = 0;
  g.qmax = 255;
  g.scale = (hi - lo) / 255.0f;
  // An all-zero row (or one whose range is not a usable number) gets a harmless grid.
  if (!(g.scale > 0.0f) || !std::isfinite(g.scale)) g.scale = 1.0f;
  float zero = -lo / g.scale;
  zero = zero >= 0.0f ? zero : 0.0f;
  zero = zero <= 255.0f ? zero : 255.0f;
  g.zero_point = static_cast<int32_t>(round_half_even(zero));
  return g;
}

}  // namespace qtx::cpu
