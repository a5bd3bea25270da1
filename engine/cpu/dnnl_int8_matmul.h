// The u8 x s8 (or s8 x s8) -> s32 matmul of an int8 Linear through oneDNN. The weight is
// reordered once, at construction, into the layout oneDNN prefers (format_tag::any); run()
// binds pointers to a primitive cached per row count. Only exact where oneDNN has VNNI (or
// AMX): see int8_gemm.h for who uses it. oneDNN types stay behind the pimpl.
#pragma once

#include <cstdint>
#include <memory>

namespace qtx::cpu {

class DnnlInt8Matmul {
 public:
  // weight [n, k] s8 row-major, copied into the packed layout; signed_src: s8 activations.
  DnnlInt8Matmul(const int8_t* weight, int64_t n, int64_t k, bool signed_src);
  ~DnnlInt8Matmul();
  DnnlInt8Matmul(const DnnlInt8Matmul&) = delete;
  DnnlInt8Matmul& operator=(const DnnlInt8Matmul&) = delete;

  // raw [m, n] = sum_k x[m, k] * w[n, k] over the codes x [m, k] (u8, or s8 bytes).
  void run(const uint8_t* x, int64_t m, int32_t* raw) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtx::cpu
