#include "engine/runtime/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "qtx/error.h"

namespace qtx {
namespace {

// Smallest capacity allocated, so the first decode steps after a short prompt do not regrow.
constexpr int64_t kMinCapacity = 16;

// Copies the first `keep` tokens of every (batch, head) row of `from` into `to`.
void copy_tokens(const Tensor& from, Tensor& to, int64_t keep) {
  const int64_t rows = from.dim(0) * from.dim(1);
  const int64_t old_cap = from.dim(2);
  const int64_t new_cap = to.dim(2);
  const int64_t dh = from.dim(3);
  const float* src = from.data<float>();
  float* dst = to.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * new_cap * dh, src + r * old_cap * dh,
                static_cast<size_t>(keep * dh) * sizeof(float));
  }
}

}  // namespace

void KvCache::clear() {
  layers_.clear();
  length_ = 0;
  batch_ = 0;
}

KvCache::Layer& KvCache::reserve(int slot, const std::string& node, int64_t batch, int64_t heads,
                                 int64_t dh, int64_t total) {
  if (length_ > 0 && batch != batch_) {
    throw Error(ErrorCode::kInvalidArgument,
                "attention '" + node + "': the KV cache holds " + std::to_string(batch_) +
                    " sequences but the input has " + std::to_string(batch) +
                    " (clear the cache to start a new batch)");
  }
  if (slot >= static_cast<int>(layers_.size())) layers_.resize(static_cast<size_t>(slot) + 1);
  Layer& layer = layers_[static_cast<size_t>(slot)];
  if (!layer.keys.empty() &&
      (layer.keys.dim(0) != batch || layer.keys.dim(1) != heads || layer.keys.dim(3) != dh)) {
    if (length_ > 0) {
      throw Error(ErrorCode::kInvalidArgument, "attention '" + node + "': the KV cache layout " +
                                                   shape_string(layer.keys.shape()) +
                                                   " does not match this input");
    }
    layer = Layer{};
  }
  if (total <= layer.capacity()) return layer;
  const int64_t capacity = std::max({total, 2 * layer.capacity(), kMinCapacity});
  Layer grown{Tensor(DType::F32, {batch, heads, capacity, dh}),
              Tensor(DType::F32, {batch, heads, capacity, dh})};
  if (!layer.keys.empty() && length_ > 0) {
    copy_tokens(layer.keys, grown.keys, length_);
    copy_tokens(layer.values, grown.values, length_);
  }
  layer = std::move(grown);
  return layer;
}

void KvCache::commit(int64_t batch, int64_t length) {
  batch_ = batch;
  length_ = length;
}

}  // namespace qtx
