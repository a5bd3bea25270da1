// The scratch pool behind oneDNN's user-mode scratchpads: aligned buffers of the asked size,
// reused once returned, never shared between two holders at once.
#include "engine/cpu/common/scratch_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace qtx::cpu {
namespace {

bool aligned(const std::byte* p) {
  return reinterpret_cast<std::uintptr_t>(p) % ScratchPool::kAlignment == 0;
}

TEST(ScratchPool, ReusesAReturnedBufferThatIsLargeEnough) {
  ScratchPool pool;
  const std::byte* first = nullptr;
  {
    const ScratchPool::Lease lease = pool.acquire(1000);
    first = lease.data();
    ASSERT_NE(first, nullptr);
    EXPECT_TRUE(aligned(first));
    std::memset(lease.data(), 0xab, 1000);  // the whole size is writable (ASan checks it)
  }
  const ScratchPool::Lease again = pool.acquire(600);
  EXPECT_EQ(again.data(), first);
}

TEST(ScratchPool, HoldersAtTheSameTimeGetDistinctBuffers) {
  ScratchPool pool;
  const ScratchPool::Lease a = pool.acquire(256);
  const ScratchPool::Lease b = pool.acquire(256);
  EXPECT_NE(a.data(), b.data());
  EXPECT_TRUE(aligned(b.data()));
}

TEST(ScratchPool, GrowsABufferTooSmallForTheRequest) {
  ScratchPool pool;
  { const ScratchPool::Lease small = pool.acquire(64); }
  const ScratchPool::Lease big = pool.acquire(1 << 20);
  ASSERT_NE(big.data(), nullptr);
  EXPECT_TRUE(aligned(big.data()));
  std::memset(big.data(), 0, 1 << 20);
  EXPECT_EQ(pool.acquire(0).data(), nullptr);
}

}  // namespace
}  // namespace qtx::cpu
