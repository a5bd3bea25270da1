// The prepared int8 Linear of Backend::kCpu: the integer GEMM of int8_linear.h's contract and
// everything after it, prepared once at load (weights packed or reordered, zero-point row sums,
// scales and bias), so that a call is: quantize the input to codes (the caller), run().
//
// Two paths, and how exact each is:
// - s32 path (dynamic per-token inputs; static inputs on the AVX2 and reference kernels):
//   the kernel's raw int32 sums land in y's storage and ONE epilogue pass adds the zero-point
//   correction -zx[m] * rowsum(wq)[n] in int32, then float(acc) * (sx[m] * sw[n]) +
//   b[n], the activation and the output fake quantization, with int8_epilogue: the same code
//   the reference backend runs, over the same integers, so y is BIT-EXACT with the reference.
// - fused path (static inputs on the oneDNN kernel): one oneDNN matmul writes float y
//   directly: y = act(s[n] * (float(raw) + b'[n])) with s[n] = sx * sw[n] and, because oneDNN
//   2.6 adds the bias before the output scales, b'[n] = b[n] / s[n] - zx * rowsum(wq)[n] (the
//   zero point folded into the bias, in double, rounded once to float); then the output fake
//   quantization, if any, in one vectorised pass. The integer products are exact, but the
//   float arithmetic differs from the reference's float(acc) * s + b: float(raw) and b' are
//   rounded where the reference rounds float(acc), the bias is added before the scaling, and
//   oneDNN's GELU/tanh approximations are not qtx's (both within ~2e-7 absolute). So y is
//   within a few float roundings of the reference's (relative to |raw| * s + |zx * rowsum| * s
//   + |b|), and a fake-quantized y within ONE quantization step (a value near a rounding tie
//   may round to the neighbouring code; int8_linear_test.cpp measures both: 5 codes of 825k
//   one step off on AVX2). oneDNN 2.6 also takes a src zero point as an attribute, which would
//   keep the sums exact; folding it into the bias instead leaves oneDNN the plain u8/s8 matmul
//   every one of its int8 kernels implements, with nothing to compensate per call, for an
//   error far below a quantization step.
//
// Which kernel (int8_kernel.h): oneDNN where it multiplies with VNNI or AMX (vpdpbusd
// accumulates in int32 and cannot saturate). On AVX2 or AVX-512 without VNNI oneDNN 2.6
// multiplies u8 x s8 with vpmaddubsw, whose int16 pair sums saturate for codes above 127
// (tested in int8_linear_test.cpp), so qtx uses its own exact AVX2 kernel there
// (int8_gemm_avx2.h), and the plain loops on CPUs without AVX2.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/cpu/common/dnnl_engine.h"
#include "engine/cpu/linear/int8_kernel.h"
#include "engine/cpu/linear/int8_linear.h"

namespace qtx::cpu {

class DnnlInt8Matmul;
class Avx2Int8Gemm;

// What an int8 Linear is prepared for, besides its weight.
struct Int8LinearSpec {
  const QuantGrid* static_input = nullptr;  // static W8A8: x's grid; nullptr: dynamic per token
  const float* bias = nullptr;              // [n] or nullptr (copied)
  fb::Activation activation = fb::Activation::None;
};

class Int8Gemm {
 public:
  // w.codes must outlive this object; they must lie in [-127, 127] (kInvalidFile naming
  // `what` otherwise). The oneDNN kernel builds its matmul on `engine` (the Executor's).
  Int8Gemm(std::shared_ptr<const DnnlEngine> engine, const Int8Weight& w,
           const Int8LinearSpec& spec, Int8Kernel kernel, const std::string& what);
  ~Int8Gemm();
  Int8Gemm(const Int8Gemm&) = delete;
  Int8Gemm& operator=(const Int8Gemm&) = delete;

  Int8Kernel kernel() const { return kernel_; }
  bool signed_input() const { return signed_input_; }
  // Whether run() takes the fused oneDNN path (see above).
  bool fused() const;

  // y [x.m, n]: the Linear's output, fake-quantized on `output` unless nullptr. x must hold
  // the codes prepared for (signedness, k; for static inputs, the grid). outliers (dynamic
  // inputs only, the s32 path): the float columns' products join each row in the epilogue.
  void run(const ActivationCodes& x, const QuantGrid* output, int threads, float* y,
           const OutlierRows* outliers = nullptr) const;

 private:
  void check_input(const ActivationCodes& x) const;

  Int8Weight weight_;
  bool signed_input_;
  Int8Kernel kernel_;
  QuantGrid static_input_;  // meaningful when is_static_
  bool is_static_;
  std::vector<float> bias_;
  fb::Activation activation_;
  std::vector<int32_t> rowsum_;  // [n]: sum_k wq[n, k]
  std::unique_ptr<DnnlInt8Matmul> dnnl_;
  std::unique_ptr<Avx2Int8Gemm> avx2_;
};

}  // namespace qtx::cpu
