// A dense, row-major tensor: a dtype, a shape and bytes. The bytes are either owned (64-byte
// aligned, for SIMD and oneDNN) or a read-only view into memory someone else keeps alive (the
// mmapped .qtx data section), so weights are used in place without a copy.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/graph/dtype.h"

namespace qtx {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // An owned, zero-filled tensor.
  Tensor(DType dtype, Shape shape);
  // An owned tensor whose bytes are left as allocated: for an op output that the op writes
  // whole (zero-filling ~60 MB of outputs per BERT-base forward is measurable time).
  static Tensor uninitialized(DType dtype, Shape shape);
  // A read-only view of `data`; `keepalive` owns the memory (e.g. the file mapping).
  static Tensor view(DType dtype, Shape shape, const void* data,
                     std::shared_ptr<const void> keepalive);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool empty() const { return data_ == nullptr; }
  bool is_view() const { return read_only_; }

  template <typename T>
  T* data() {
    check_access(dtype_of<T>(), /*write=*/true);
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    check_access(dtype_of<T>(), /*write=*/false);
    return static_cast<const T*>(data_);
  }
  const void* raw() const { return data_; }
  // What keeps the bytes alive: holding it keeps raw() valid after the Tensor is gone.
  const std::shared_ptr<const void>& storage() const { return storage_; }
  void* raw_mutable();

  // Same bytes, new shape of the same element count.
  Tensor reshaped(Shape shape) const;

 private:
  void check_access(DType requested, bool write) const;

  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<const void> storage_;
  void* data_ = nullptr;
  bool read_only_ = false;
};

}  // namespace qtx
