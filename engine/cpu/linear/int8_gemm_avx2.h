// An exact int8 GEMM for x86 CPUs with AVX2 but without VNNI. There oneDNN's u8 x s8 kernels
// multiply with vpmaddubsw, whose int16 pair sums saturate (255 * 127 * 2 > 32767), so int8
// results silently go wrong. This kernel multiplies in int16 instead: activation codes (u8 or
// s8) are widened once per call, weight codes (s8) as they are loaded, and vpmaddwd forms each
// pair sum x0 * w0 + x1 * w1 directly in int32, where it cannot saturate (|sum| <= 2 * 255 *
// 127). Exact for every input (the int32 sums over k, as the contract's, for k up to 66000).
//
// Why int16: per 16 multiply-adds it issues one vpmaddwd and one vpaddd. Keeping vpmaddubsw
// exact instead (|a| * sign(w, a) on codes shifted to s8) costs vpsignb, vpmaddubsw, vpmaddwd
// by ones and vpaddd per 32, three of them on the two multiply ports of Intel and Zen 3 cores,
// so int16 issues fewer instructions per multiply-add where those ports are the limit.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/cpu/linear/int8_linear.h"

namespace qtx::cpu {

class Avx2Int8Gemm {
 public:
  // Whether this CPU runs AVX2 code.
  static bool supported();

  // weight [n, k], codes in [-127, 127] (the caller checks); packed once here.
  Avx2Int8Gemm(const int8_t* weight, int64_t n, int64_t k);

  // raw [m, n] = sum_k xq[m, k] * wq[n, k], with the codes as they are (u8 or s8).
  void accumulate(const ActivationCodes& x, int threads, int32_t* raw) const;

 private:
  int64_t n_;
  int64_t k_pairs_;             // k rounded up to 2, over 2
  std::vector<int8_t> packed_;  // [n / 8 blocks][k_pairs][8 columns][2 codes], zero-padded
};

}  // namespace qtx::cpu
