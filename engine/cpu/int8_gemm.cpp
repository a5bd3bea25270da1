#include "engine/cpu/int8_gemm.h"

#include <algorithm>

#include "engine/cpu/dnnl_int8_matmul.h"
#include "engine/cpu/int8_gemm_avx2.h"
#include "engine/cpu/parallel_for.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "qtx/error.h"

namespace qtx::cpu {
namespace {

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

// Codes outside [-127, 127] would break the AVX2 kernel's no-saturation bound; the contract
// (qtx.fbs) says weights never hold them.
void check_codes(const Int8Weight& w, const std::string& what) {
  for (int64_t i = 0; i < w.n * w.k; ++i) {
    if (w.codes[i] < -127) {
      throw Error(ErrorCode::kInvalidFile,
                  what + ": int8 weight holds -128, outside the symmetric range [-127, 127]");
    }
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

Int8Gemm::Int8Gemm(const Int8Weight& w, bool signed_input, Int8Kernel kernel,
                   const std::string& what)
    : weight_(w),
      signed_input_(signed_input),
      kernel_(kernel == Int8Kernel::kAuto ? best_int8_kernel() : kernel) {
  check_codes(w, what);
  rowsum_.resize(static_cast<size_t>(w.n));
  for (int64_t c = 0; c < w.n; ++c) {
    int32_t sum = 0;
    for (int64_t i = 0; i < w.k; ++i) sum += w.codes[c * w.k + i];
    rowsum_[static_cast<size_t>(c)] = sum;
  }
  if (kernel_ == Int8Kernel::kOneDnn) {
    dnnl_ = std::make_unique<DnnlInt8Matmul>(w.codes, w.n, w.k, signed_input);
  } else if (kernel_ == Int8Kernel::kAvx2) {
    if (!Avx2Int8Gemm::supported()) {
      throw Error(ErrorCode::kUnsupported, what + ": this CPU has no AVX2");
    }
    avx2_ = std::make_unique<Avx2Int8Gemm>(w.codes, w.n, w.k);
  }
}

Int8Gemm::~Int8Gemm() = default;

void Int8Gemm::accumulate(const ActivationCodes& x, int threads, int32_t* acc) const {
  if (x.is_signed != signed_input_ || x.k != weight_.k) {
    throw Error(ErrorCode::kInternal, "int8 GEMM called with activations it was not prepared for");
  }
  if (kernel_ == Int8Kernel::kReference) {
    int8_accumulate_reference(x, weight_, acc);
    return;
  }
  int32_t shift = 0;
  if (dnnl_) {
    dnnl_->run(x.bytes.data(), x.m, acc);
  } else {
    avx2_->accumulate_shifted(x, threads, acc);
    shift = Avx2Int8Gemm::shift(x.is_signed);
  }
  const int64_t n = weight_.n;
  parallel_for(x.m, threads, std::max<int64_t>(1, (int64_t{1} << 15) / n),
               [&](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   const int32_t factor = shift - x.zero_points[static_cast<size_t>(r)];
                   int32_t* row = acc + r * n;
                   for (int64_t c = 0; c < n; ++c)
                     row[c] += factor * rowsum_[static_cast<size_t>(c)];
                 }
               });
}

}  // namespace qtx::cpu
