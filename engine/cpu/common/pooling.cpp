#include "engine/cpu/common/pooling.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qtx::cpu {
namespace {

// The positions of sequence b's real tokens, in order.
std::vector<int64_t> real_positions(const int32_t* mask, int64_t b, int64_t seq) {
  std::vector<int64_t> positions;
  for (int64_t s = 0; s < seq; ++s) {
    if (mask[b * seq + s] != 0) positions.push_back(s);
  }
  return positions;
}

// out = sum_i weight(i) * row(positions[i]) / divisor, accumulated in float in token order as
// sentence-transformers' torch.sum does.
template <typename Weight>
void weighted_sum(const float* xb, const std::vector<int64_t>& positions, int64_t hidden,
                  Weight weight, float divisor, float* out) {
  std::fill(out, out + hidden, 0.0f);
  for (size_t i = 0; i < positions.size(); ++i) {
    const float w = weight(i);
    const float* row = xb + positions[i] * hidden;
    for (int64_t h = 0; h < hidden; ++h) out[h] += w * row[h];
  }
  for (int64_t h = 0; h < hidden; ++h) out[h] /= divisor;
}

void pool_sequence(fb::PoolingMode mode, const float* xb, const std::vector<int64_t>& positions,
                   int64_t hidden, float* out) {
  if (positions.empty()) {
    std::fill(out, out + hidden, 0.0f);
    return;
  }
  const auto count = static_cast<float>(positions.size());
  const auto one = [](size_t) { return 1.0f; };
  switch (mode) {
    case fb::PoolingMode::Cls:
      std::copy_n(xb + positions.front() * hidden, hidden, out);
      return;
    case fb::PoolingMode::LastToken:
      std::copy_n(xb + positions.back() * hidden, hidden, out);
      return;
    case fb::PoolingMode::Mean:
      weighted_sum(xb, positions, hidden, one, count, out);
      return;
    case fb::PoolingMode::MeanSqrtLen:
      weighted_sum(xb, positions, hidden, one, std::sqrt(count), out);
      return;
    case fb::PoolingMode::WeightedMean: {
      // Weights 1, 2, .. by position among the real tokens; their sum is n (n + 1) / 2.
      const float total = count * (count + 1.0f) / 2.0f;
      weighted_sum(
          xb, positions, hidden, [](size_t i) { return static_cast<float>(i + 1); }, total, out);
      return;
    }
    case fb::PoolingMode::Max:
      std::copy_n(xb + positions.front() * hidden, hidden, out);
      for (int64_t p : positions) {
        const float* row = xb + p * hidden;
        for (int64_t h = 0; h < hidden; ++h) out[h] = std::max(out[h], row[h]);
      }
      return;
  }
}

}  // namespace

void pool(fb::PoolingMode mode, const float* x, const int32_t* mask, int64_t batch, int64_t seq,
          int64_t hidden, float* out) {
  for (int64_t b = 0; b < batch; ++b) {
    pool_sequence(mode, x + b * seq * hidden, real_positions(mask, b, seq), hidden,
                  out + b * hidden);
  }
}

}  // namespace qtx::cpu
