// Elementwise sum of two float32 buffers (residual connections).
#pragma once

#include <cstdint>

#include "engine/cpu/common/quantize.h"

namespace qtx::cpu {

// out[i] = a[i] + b[i], fake-quantized on `output` when given (in the same pass, chunk by
// chunk); out may equal a or b. Split over up to `threads` threads (<= 0: one per core).
void add(const float* a, const float* b, int64_t n, int threads, float* out,
         const QuantGrid* output = nullptr);

}  // namespace qtx::cpu
