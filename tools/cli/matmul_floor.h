// The hardware floor of a Linear: how long oneDNN's matmul alone takes for one GEMM shape,
// measured the way shared/CEILINGS.md describes (plain row-major activations, weights in the
// layout oneDNN prefers, reordered once before timing, non-zero data), so that qtx's own
// forward pass can be compared with the GEMMs it cannot avoid. The caller sets the thread
// count (ThreadLimit); the result is the median of the timed runs.
#pragma once

#include <cstdint>

namespace qtx::cli {

struct GemmShape {
  int64_t m;  // rows (tokens)
  int64_t k;  // depth (input features)
  int64_t n;  // output features
};

enum class GemmKind {
  kF32,   // f32 x f32 -> f32
  kU8S8,  // u8 x s8 -> s32, the int8 Linear's accumulation
};

// Median microseconds of one matmul over `iterations` timed runs after `warmup` untimed ones.
// Sizes are bounded (kInvalidArgument beyond 2^31 elements per operand).
double time_matmul_us(GemmShape shape, GemmKind kind, int warmup, int iterations);

}  // namespace qtx::cli
