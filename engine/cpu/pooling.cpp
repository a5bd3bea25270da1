#include "engine/cpu/pooling.h"

#include <algorithm>

namespace qtx::cpu {

void pool_cls(const float* x, int64_t batch, int64_t seq, int64_t hidden, float* out) {
  for (int64_t b = 0; b < batch; ++b) {
    std::copy(x + b * seq * hidden, x + b * seq * hidden + hidden, out + b * hidden);
  }
}

void pool_mean(const float* x, const int32_t* mask, int64_t batch, int64_t seq, int64_t hidden,
               float* out) {
  for (int64_t b = 0; b < batch; ++b) {
    float* o = out + b * hidden;
    std::fill(o, o + hidden, 0.0f);
    int64_t count = 0;
    for (int64_t s = 0; s < seq; ++s) {
      if (mask[b * seq + s] == 0) continue;
      ++count;
      const float* xs = x + (b * seq + s) * hidden;
      for (int64_t i = 0; i < hidden; ++i) o[i] += xs[i];
    }
    if (count == 0) continue;
    const float inv = 1.0f / static_cast<float>(count);
    for (int64_t i = 0; i < hidden; ++i) o[i] *= inv;
  }
}

}  // namespace qtx::cpu
