#include "engine/cpu/common/scratch_pool.h"

#include <utility>

namespace qtx::cpu {

ScratchPool::Lease::~Lease() {
  if (pool_ && slot_.data) pool_->release(std::move(slot_));
}

ScratchPool::Lease ScratchPool::acquire(size_t bytes) {
  Slot slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      slot = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (slot.size < bytes) {
    slot.data.reset(static_cast<std::byte*>(::operator new[](bytes, std::align_val_t{kAlignment})));
    slot.size = bytes;
  }
  return Lease(*this, std::move(slot));
}

void ScratchPool::release(Slot slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(slot));
}

}  // namespace qtx::cpu
