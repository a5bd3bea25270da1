// Debian's oneDNN runs its kernels on OpenMP (libdnnl.so.2 links libgomp), so the number of
// threads a matmul uses is the calling thread's OpenMP limit. ThreadLimit sets that limit for
// the current thread for its lifetime and restores the previous one, leaving other threads
// (other sessions) untouched.
#pragma once

namespace qtx::cpu {

class ThreadLimit {
 public:
  // threads <= 0 keeps the current limit (OpenMP's default: all cores).
  explicit ThreadLimit(int threads);
  ~ThreadLimit();
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace qtx::cpu
