// Eight floats as one value (GCC vector extension) for kernels cloned for AVX2: one ymm
// register in the AVX2 clone, two SSE registers in the baseline one. Written with it, a loop
// keeps its accumulators in registers and its lane order fixed, where the auto-vectoriser may
// give up (a float max or sum that it may not reassociate) or spill.
#pragma once

namespace qtx::cpu {

using Vec8 = float __attribute__((vector_size(32)));
// The same, for loads from and stores to floats at any address.
using UnalignedVec8 = float __attribute__((vector_size(32), aligned(4), may_alias));

// A plain vector load or store (memcpy makes GCC copy through the stack in 16-byte pieces,
// and the 32-byte reload of those stalls store forwarding).
[[gnu::always_inline]] inline const UnalignedVec8& vec_at(const float* p) {
  return *reinterpret_cast<const UnalignedVec8*>(p);
}
[[gnu::always_inline]] inline UnalignedVec8& vec_at(float* p) {
  return *reinterpret_cast<UnalignedVec8*>(p);
}

}  // namespace qtx::cpu
