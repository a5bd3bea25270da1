#include "engine/graph/tensor.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "qtx/error.h"

namespace qtx {
namespace {

constexpr size_t kAlign = 64;
// Buffers of at least kHugeBuffer bytes are 2 MiB aligned and ask the kernel for 2 MiB pages
// (transparent huge pages; the hint is ignored where they are off). glibc maps every block
// above 32 MiB afresh and unmaps it on free, so such a buffer (eval's logits: 200 MB for 4 x
// 256 OPT tokens) is faulted in anew on every call, one fault per 4 KiB page otherwise
// (measured: qtx eval on OPT 20% faster). Smaller blocks come back from the heap already
// mapped, where huge pages gained nothing measurable (BERT-base bench on Sapphire Rapids).
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeBuffer = size_t{32} << 20;

void* allocate(size_t bytes) {
  if (bytes < kHugeBuffer)
    return std::aligned_alloc(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

}  // namespace

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > std::numeric_limits<int64_t>::max() / d)) {
      throw Error(ErrorCode::kInvalidArgument, "invalid tensor shape " + shape_string(shape));
    }
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor::Tensor(DType dtype, Shape shape) : Tensor(uninitialized(dtype, std::move(shape))) {
  std::memset(data_, 0, nbytes());
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  void* p = allocate(std::max<size_t>(t.nbytes(), 1));
  if (p == nullptr) throw std::bad_alloc();
  t.storage_ =
      std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); });
  t.data_ = p;
  return t;
}

Tensor Tensor::view(DType dtype, Shape shape, const void* data,
                    std::shared_ptr<const void> keepalive) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.storage_ = std::move(keepalive);
  t.data_ = const_cast<void*>(data);
  t.read_only_ = true;
  return t;
}

int64_t Tensor::dim(int i) const {
  const int r = rank();
  const int k = i < 0 ? i + r : i;
  if (k < 0 || k >= r) {
    throw Error(ErrorCode::kInternal,
                "dimension " + std::to_string(i) + " of a tensor of shape " + shape_string(shape_));
  }
  return shape_[static_cast<size_t>(k)];
}

void* Tensor::raw_mutable() {
  if (read_only_) throw Error(ErrorCode::kInternal, "write access to a read-only tensor view");
  return data_;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape_numel(shape) != numel()) {
    throw Error(ErrorCode::kInternal,
                "cannot reshape " + shape_string(shape_) + " to " + shape_string(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

void Tensor::check_access(DType requested, bool write) const {
  if (requested != dtype_) {
    throw Error(ErrorCode::kInternal, "tensor of dtype " + std::string(dtype_name(dtype_)) +
                                          " accessed as " + std::string(dtype_name(requested)));
  }
  if (write && read_only_) {
    throw Error(ErrorCode::kInternal, "write access to a read-only tensor view");
  }
}

}  // namespace qtx
