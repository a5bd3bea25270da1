// An exact int8 GEMM for x86 CPUs with AVX2 but without VNNI. There oneDNN's u8 x s8 kernels
// multiply with vpmaddubsw, whose int16 pair sums saturate (255 * 127 * 2 > 32767), so int8
// results silently go wrong. This kernel keeps every pair sum in range: activation codes are
// shifted to s8 a in [-128, 127] (u8 codes minus 128), weights are s8 in [-127, 127], and each
// product is formed as |a| * (sign(a) * w) (vpabsb / vpsignb), so a pair sum is at most
// 128 * 127 * 2 = 32512 < 32767; vpmaddwd then widens to int32. Exact for every input, at
// about 2 int8 multiply-adds per float FMA's one.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/cpu/int8_linear.h"

namespace qtx::cpu {

class Avx2Int8Gemm {
 public:
  // Whether this CPU runs AVX2 code.
  static bool supported();
  // What is subtracted from each code before the products: 128 for u8 codes, 0 for s8.
  static int32_t shift(bool is_signed) { return is_signed ? 0 : 128; }

  // weight [n, k], codes in [-127, 127] (the caller checks); packed once here.
  Avx2Int8Gemm(const int8_t* weight, int64_t n, int64_t k);

  // raw [m, n] = sum_k (xq[m, k] - shift) * wq[n, k].
  void accumulate_shifted(const ActivationCodes& x, int threads, int32_t* raw) const;

 private:
  int64_t n_;
  int64_t k_groups_;            // k rounded up to 4, over 4
  std::vector<int8_t> packed_;  // [n / 16][k_groups][16 columns][4 bytes], zero-padded
};

}  // namespace qtx::cpu
