// The u8 x s8 (or s8 x s8) matmul of an int8 Linear through oneDNN, in one of two forms:
// - raw: int32 sums [m, n] = sum_k x[m, k] * w[n, k], for qtx's own epilogue (exact);
// - fused: float y [m, n] written directly, with the dequantization as oneDNN attributes fixed
//   at construction: per-channel (or common) output scales, a float bias and the activation
//   as an eltwise post-op. oneDNN 2.6 adds the bias to the int32 sums *before* the output
//   scales (tested in int8_linear_test.cpp), so the bias is given in accumulator units:
//   y = act(scale[n] * (float(raw) + bias[n])).
// The weight is reordered once, at construction, into the layout oneDNN prefers
// (format_tag::any); run() binds pointers to a primitive cached per row count and draws its
// scratchpad from the shared engine's pool (dnnl_engine.h). Only exact
// where oneDNN has VNNI (or AMX): see int8_gemm.h for who uses it. oneDNN types stay behind
// the pimpl.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/cpu/common/dnnl_engine.h"
#include "qtx_generated.h"

namespace qtx::cpu {

// The fused form's attributes.
struct DnnlDequantization {
  std::vector<float> scales;  // [n] per output channel, or [1] for all
  std::vector<float> bias;    // [n] in accumulator units, or empty
  fb::Activation activation = fb::Activation::None;
};

class DnnlInt8Matmul {
 public:
  // weight [n, k] s8 row-major, copied into the packed layout; signed_src: s8 activations.
  // dequantize: the fused form, or nullptr for raw int32 sums.
  DnnlInt8Matmul(std::shared_ptr<const DnnlEngine> engine, const int8_t* weight, int64_t n,
                 int64_t k, bool signed_src, const DnnlDequantization* dequantize);
  ~DnnlInt8Matmul();
  DnnlInt8Matmul(const DnnlInt8Matmul&) = delete;
  DnnlInt8Matmul& operator=(const DnnlInt8Matmul&) = delete;

  bool fused() const;

  // Raw form: raw [m, n] = sum_k x[m, k] * w[n, k] over the codes x [m, k] (u8, or s8 bytes).
  void run(const uint8_t* x, int64_t m, int32_t* raw) const;
  // Fused form: y [m, n] as described above.
  void run(const uint8_t* x, int64_t m, float* y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtx::cpu
