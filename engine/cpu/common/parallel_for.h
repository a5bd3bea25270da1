// Splits independent work items over threads for the C++ kernels (oneDNN threads its own
// matmuls). Built with OpenMP (-fopenmp), the work runs on the OpenMP pool oneDNN uses;
// without it, threads are started per call and joined before returning. Either way nothing
// outlives the call and concurrent runs share no state; items are only split when each
// thread gets enough work to pay for its start.
#pragma once

#include <cstdint>
#include <functional>

namespace qtx::cpu {

// Calls body(begin, end) over disjoint ranges covering [0, items), on at most `threads`
// threads (<= 0: one per core). `min_items` is the fewest items worth a thread. An exception
// thrown by body on any thread is rethrown here.
void parallel_for(int64_t items, int threads, int64_t min_items,
                  const std::function<void(int64_t, int64_t)>& body);

}  // namespace qtx::cpu
