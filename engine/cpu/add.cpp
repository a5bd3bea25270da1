#include "engine/cpu/add.h"

namespace qtx::cpu {

void add(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

}  // namespace qtx::cpu
