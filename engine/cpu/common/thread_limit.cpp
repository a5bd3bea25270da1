#include "engine/cpu/common/thread_limit.h"

#include <dlfcn.h>

namespace qtx::cpu {
namespace {

// The OpenMP runtime is reached through the symbols libdnnl's own libgomp dependency brings
// into the process, so libqtx needs no OpenMP link of its own. Null when absent (a oneDNN
// built on another threading runtime), and the limit is then left alone.
using GetMaxThreads = int (*)();
using SetNumThreads = void (*)(int);

GetMaxThreads get_max_threads() {
  return reinterpret_cast<GetMaxThreads>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
}

SetNumThreads set_num_threads() {
  return reinterpret_cast<SetNumThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
}

}  // namespace

ThreadLimit::ThreadLimit(int threads) {
  const GetMaxThreads get = get_max_threads();
  const SetNumThreads set = set_num_threads();
  if (threads <= 0 || !get || !set) return;
  previous_ = get();
  set(threads);
}

ThreadLimit::~ThreadLimit() {
  if (previous_ <= 0) return;
  if (const SetNumThreads set = set_num_threads()) set(previous_);
}

}  // namespace qtx::cpu
