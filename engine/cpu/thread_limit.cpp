#include "engine/cpu/thread_limit.h"

#include <omp.h>

namespace qtx::cpu {

ThreadLimit::ThreadLimit(int threads) {
  if (threads <= 0) return;
  previous_ = omp_get_max_threads();
  omp_set_num_threads(threads);
}

ThreadLimit::~ThreadLimit() {
  if (previous_ > 0) omp_set_num_threads(previous_);
}

}  // namespace qtx::cpu
