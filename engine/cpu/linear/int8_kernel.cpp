#include "engine/cpu/linear/int8_kernel.h"

#include "engine/cpu/linear/int8_gemm_avx2.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace qtx::cpu {
namespace {

// VNNI's vpdpbusd (and AMX) accumulate u8 x s8 products in int32 and cannot saturate; oneDNN
// 2.6's kernels without them use vpmaddubsw, whose int16 pair sums do (int8_gemm.h).
bool onednn_has_vnni() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      // avx2_vnni included: oneDNN 2.6's matmul does not use it for int8 everywhere, and a
      // wrong answer costs more than a slower one.
      return false;
  }
}

}  // namespace

Int8Kernel best_int8_kernel() {
  if (onednn_has_vnni()) return Int8Kernel::kOneDnn;
  if (Avx2Int8Gemm::supported()) return Int8Kernel::kAvx2;
  return Int8Kernel::kReference;
}

const char* int8_kernel_name(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::kOneDnn:
      return "onednn";
    case Int8Kernel::kAvx2:
      return "avx2";
    case Int8Kernel::kReference:
      return "reference";
    case Int8Kernel::kAuto:
      break;
  }
  return "auto";
}

}  // namespace qtx::cpu
