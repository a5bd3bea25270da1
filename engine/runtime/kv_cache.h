// The keys and values a decoder has already computed, kept between Executor::run calls so a
// generation step processes only its new tokens. One Layer per causal Attention node, stored
// as [B, heads, capacity, dh] so each head's past keys are contiguous for the score loops;
// capacity grows geometrically. A run writes its new keys at positions [past, past + S) of
// every layer and only then commits the new length, so a run that fails part-way leaves the
// cache as it was.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx {

class KvCache {
 public:
  // One attention node's keys and values.
  struct Layer {
    Tensor keys;    // F32 [batch, heads, capacity, dh]
    Tensor values;  // F32 [batch, heads, capacity, dh]
    int64_t capacity() const { return keys.empty() ? 0 : keys.dim(2); }
  };

  // Tokens already processed (the past length every layer holds).
  int64_t length() const { return length_; }
  // The batch size of the cached sequences (0 when empty).
  int64_t batch() const { return batch_; }
  void clear();

  // The layer of attention node `slot` (0, 1, ... in graph order), able to hold `total` tokens
  // of `batch` sequences; grows it (keeping the first length() tokens) when needed. Errors
  // name `node` when the batch or head layout differs from what the cache already holds.
  Layer& reserve(int slot, const std::string& node, int64_t batch, int64_t heads, int64_t dh,
                 int64_t total);
  // Makes `length` the past length after a run has written every layer.
  void commit(int64_t batch, int64_t length);

 private:
  std::vector<Layer> layers_;
  int64_t length_ = 0;
  int64_t batch_ = 0;
};

}  // namespace qtx
