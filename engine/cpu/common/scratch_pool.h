// Scratch memory for oneDNN primitives run in user-scratchpad mode (one primitive serves many
// threads, so it cannot own a scratchpad). Allocating the scratchpad on every call costs a
// fresh mapping and its page faults per GEMM (oneDNN's AVX-512 and AMX kernels ask for
// megabytes of packing buffers); the pool instead hands out buffers it keeps: one per caller
// running at the same time, each grown to the largest request seen.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace qtx::cpu {

class ScratchPool {
  struct AlignedFree {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{kAlignment}); }
  };
  using Buffer = std::unique_ptr<std::byte[], AlignedFree>;
  struct Slot {
    Buffer data;
    size_t size = 0;
  };

 public:
  static constexpr size_t kAlignment = 64;

  // A buffer held until destruction, then returned to the pool.
  class Lease {
   public:
    Lease(ScratchPool& pool, Slot slot) : pool_(&pool), slot_(std::move(slot)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;

    std::byte* data() const { return slot_.data.get(); }

   private:
    ScratchPool* pool_;
    Slot slot_;
  };

  // A buffer of at least `bytes` bytes, 64-byte aligned (nullptr data for 0 bytes).
  Lease acquire(size_t bytes);

 private:
  void release(Slot slot);

  std::mutex mutex_;
  std::vector<Slot> free_;
};

}  // namespace qtx::cpu
