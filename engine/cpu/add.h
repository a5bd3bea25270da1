// Elementwise sum of two float32 buffers (residual connections).
#pragma once

#include <cstdint>

namespace qtx::cpu {

// out[i] = a[i] + b[i]; out may equal a or b.
void add(const float* a, const float* b, int64_t n, float* out);

}  // namespace qtx::cpu
