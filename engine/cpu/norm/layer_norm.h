// LayerNorm over the last dimension, as torch.nn.LayerNorm: (x - mean) /
// sqrt(var + eps) * gamma + beta with the biased variance.
#pragma once

#include <cstdint>

#include "engine/cpu/common/quantize.h"

namespace qtx::cpu {

// x and y: [rows, n]; gamma, beta: [n]. y may equal x. Rows split over up to
// `threads` threads (<= 0: one per core); each row's result does not depend on
// the split. With `output`, each row is fake-quantized on that grid while it is
// still in cache (the int8 contract's quantizer at the producer), not in a
// second pass over y.
void layer_norm(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t n,
                float epsilon, int threads, float* y, const QuantGrid* output = nullptr);

}  // namespace qtx::cpu
