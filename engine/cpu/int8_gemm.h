// The prepared integer GEMM of one int8 Linear (Backend::kCpu): acc [m, n] =
// sum_k (xq[m, k] - zx[m]) * wq[n, k], bit-exactly int8_accumulate_reference's result. The
// kernels compute sum_k (xq - shift) * wq and add (shift - zx[m]) * rowsum(wq)[n], with the
// row sums computed once here, at load, never per call.
//
// Which kernel: oneDNN where it multiplies with VNNI or AMX (vpdpbusd accumulates in int32
// and cannot saturate). On AVX2 or AVX-512 without VNNI oneDNN 2.6 multiplies u8 x s8 with
// vpmaddubsw, whose int16 pair sums saturate for codes above 127 (tested in
// int8_linear_test.cpp), so qtx uses its own exact AVX2 kernel there (int8_gemm_avx2.h), and
// the plain loops on CPUs without AVX2. ONEDNN_MAX_CPU_ISA is honoured through
// dnnl::get_effective_cpu_isa().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/cpu/int8_linear.h"

namespace qtx::cpu {

enum class Int8Kernel { kAuto, kOneDnn, kAvx2, kReference };

// The exact kernel kAuto resolves to on this CPU (and ONEDNN_MAX_CPU_ISA).
Int8Kernel best_int8_kernel();
const char* int8_kernel_name(Int8Kernel kernel);

class DnnlInt8Matmul;
class Avx2Int8Gemm;

class Int8Gemm {
 public:
  // w.codes must outlive this object; they must lie in [-127, 127] (kInvalidFile naming
  // `what` otherwise). signed_input: the activations are s8 codes (else u8).
  Int8Gemm(const Int8Weight& w, bool signed_input, Int8Kernel kernel, const std::string& what);
  ~Int8Gemm();
  Int8Gemm(const Int8Gemm&) = delete;
  Int8Gemm& operator=(const Int8Gemm&) = delete;

  Int8Kernel kernel() const { return kernel_; }
  bool signed_input() const { return signed_input_; }

  // acc [x.m, n]; x's signedness and k must be the ones prepared for.
  void accumulate(const ActivationCodes& x, int threads, int32_t* acc) const;

 private:
  Int8Weight weight_;
  bool signed_input_;
  Int8Kernel kernel_;
  std::vector<int32_t> rowsum_;  // [n]: sum_k wq[n, k]
  std::unique_ptr<DnnlInt8Matmul> dnnl_;
  std::unique_ptr<Avx2Int8Gemm> avx2_;
};

}  // namespace qtx::cpu
