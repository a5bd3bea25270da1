// Linear op: y = act(x W^T + b) for x [..., K], W [N, K], b [N] or absent -> [..., N].
// Float weights: a float GEMM. I8 weights: the INT8 contract of qtx.fbs (LinearAttrs): static
// W8A8 when x carries quant params, dynamic per-token when attrs.dynamic_quant, else
// weight-only. With prepared kernels (Backend::kCpu) it runs those; otherwise the reference.
#pragma once

#include "engine/cpu/linear/dnnl_linear.h"
#include "engine/cpu/linear/int8_gemm.h"
#include "engine/kernels/int8_operands.h"
#include "engine/kernels/quant_grid.h"
#include "engine/ops/op_context.h"

namespace qtx::ops {

// The quantization parameters of the tensors around a Linear (nullptr: none).
struct LinearQuant {
  const fb::QuantParamsT* input = nullptr;   // x's: static W8A8 when the weight is I8
  const fb::QuantParamsT* weight = nullptr;  // the I8 weight's scales
  const fb::QuantParamsT* output = nullptr;  // y's fake quantization
};

// Kernels the Executor prepared once (Backend::kCpu); nullptr: run the reference.
struct PreparedLinear {
  const cpu::DnnlLinear* float_gemm = nullptr;  // float weights, or weight-only's dequantized
  const cpu::Int8Gemm* int8_gemm = nullptr;     // static or dynamic W8A8, bias and act inside
};

// How an I8-weight Linear quantizes its input.
enum class LinearMode { kFloat, kWeightOnly, kStatic, kDynamic };
LinearMode linear_mode(const fb::LinearAttrsT& attrs, const Tensor& weight,
                       const LinearQuant& quant);

// Checks W and b against each other (at prepare time and on every call).
void check_linear_weights(const OpContext& ctx, const Tensor& weight, const Tensor* bias);

// The I8 weight with its scales, checked: [N, K] I8, per-tensor or per-channel (axis 0)
// symmetric scales.
kernels::Int8Weight int8_weight(const OpContext& ctx, const Tensor& weight,
                                const fb::QuantParamsT* params);

// The static grid of an I8 Linear's input: per tensor, codes fitting s8 or u8.
kernels::QuantGrid static_input_grid(const OpContext& ctx, const fb::QuantParamsT& params);

// The optional inputs 3 and 4 of a dynamic Linear (qtx.fbs, LinearAttrs); nullptr: none.
struct LinearOutliers {
  const Tensor* columns = nullptr;  // I32 [C]
  const Tensor* weight = nullptr;   // F32 [N, C]
};

Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const LinearQuant& quant,
              const PreparedLinear& prepared, const LinearOutliers& outliers = {});

// A float Linear with no quantization; prepared: its oneDNN matmul or nullptr.
Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const cpu::DnnlLinear* prepared);

}  // namespace qtx::ops
