#include "engine/cpu/norm/add.h"

#include <algorithm>

#include "engine/cpu/common/parallel_for.h"

namespace qtx::cpu {
namespace {

// A thread is worth it for some tens of thousands of elements; chunks stay in L1 between the
// sum and its fake quantization.
constexpr int64_t kMinElementsPerThread = int64_t{1} << 15;
constexpr int64_t kChunk = 4096;

}  // namespace

void add(const float* a, const float* b, int64_t n, int threads, float* out,
         const QuantGrid* output) {
  parallel_for(n, threads, kMinElementsPerThread, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c += kChunk) {
      const int64_t stop = std::min(end, c + kChunk);
      for (int64_t i = c; i < stop; ++i) out[i] = a[i] + b[i];
      if (output) fake_quantize(*output, out + c, stop - c);
    }
  });
}

}  // namespace qtx::cpu
