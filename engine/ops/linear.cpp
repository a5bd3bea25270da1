#include "engine/ops/linear.h"

#include <string>
#include <vector>

#include "engine/cpu/linear/linear_reference.h"
#include "engine/cpu/linear/outlier_columns.h"
#include "engine/ops/int8_rows.h"

namespace qtx::ops {
namespace {

// Beyond this many inputs per output an int32 accumulator could overflow
// (383 * 127 * k < 2^31: codes minus zero point span at most 383).
constexpr int64_t kMaxInt8Depth = 32768;

void check_bias(const OpContext& ctx, const Tensor& weight, const Tensor* bias) {
  if (!bias) return;
  expect_float(ctx, "bias", *bias, 1);
  expect_shape(ctx, "bias", *bias, {weight.dim(0)});
}

void check_input(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
                 const Tensor& weight) {
  expect_float(ctx, "input", x, kAnyRank);
  if (x.dim(-1) != weight.dim(1)) {
    fail(ctx, ErrorCode::kInvalidFile,
         "input of shape " + shape_string(x.shape()) + " does not match weight of shape " +
             shape_string(weight.shape()));
  }
  if (attrs.activation < fb::Activation::MIN || attrs.activation > fb::Activation::MAX) {
    fail(ctx, ErrorCode::kInvalidFile, "unknown activation kind");
  }
}

Tensor float_linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
                    const float* weight, int64_t n, const Tensor* bias,
                    const cpu::DnnlLinear* prepared) {
  Shape out_shape = x.shape();
  out_shape.back() = n;
  Tensor y = Tensor::uninitialized(DType::F32, out_shape);
  const int64_t k = x.dim(-1), m = x.numel() / k;
  if (prepared && !ctx.reference) {
    prepared->run(x.data<float>(), m, y.data<float>());
  } else {
    cpu::linear_reference(x.data<float>(), weight, bias ? bias->data<float>() : nullptr, m, n, k,
                          attrs.activation, y.data<float>());
  }
  return y;
}

// The outlier columns of a dynamic Linear, checked: I32 [C] strictly increasing below k, with
// F32 [n, C] weights.
cpu::FixedOutliers fixed_outliers(const OpContext& ctx, const fb::LinearAttrsT& attrs,
                                  const LinearOutliers& outliers, LinearMode mode,
                                  const kernels::Int8Weight& w) {
  cpu::FixedOutliers fixed;
  fixed.ratio = attrs.outlier_ratio;
  const bool any = outliers.columns || outliers.weight || attrs.outlier_ratio > 0.0f;
  if (any && mode != LinearMode::kDynamic) {
    fail(ctx, ErrorCode::kUnsupported, "outlier columns need a dynamic int8 Linear");
  }
  if (!outliers.columns && !outliers.weight) return fixed;
  if (!outliers.columns || !outliers.weight) {
    fail(ctx, ErrorCode::kInvalidFile, "outlier columns and their weights come together");
  }
  const Tensor& columns = *outliers.columns;
  if (columns.dtype() != DType::I32 || columns.rank() != 1) {
    fail(ctx, ErrorCode::kInvalidFile, "outlier columns must be I32 [C]");
  }
  expect_float(ctx, "outlier weight", *outliers.weight, 2);
  expect_shape(ctx, "outlier weight", *outliers.weight, {w.n, columns.dim(0)});
  const int32_t* c = columns.data<int32_t>();
  for (int64_t i = 0; i < columns.dim(0); ++i) {
    if (c[i] < 0 || c[i] >= w.k || (i > 0 && c[i] <= c[i - 1])) {
      fail(ctx, ErrorCode::kInvalidFile,
           "outlier columns must increase strictly within [0, " + std::to_string(w.k) + ")");
    }
  }
  fixed.columns = {c, static_cast<size_t>(columns.dim(0))};
  fixed.weight = outliers.weight->data<float>();
  return fixed;
}

Tensor int8_linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
                   const kernels::Int8Weight& w, const Tensor* bias, const LinearQuant& quant,
                   LinearMode mode, const cpu::Int8Gemm* prepared,
                   const cpu::FixedOutliers& outliers) {
  if (w.k > kMaxInt8Depth) {
    fail(ctx, ErrorCode::kUnsupported,
         "int8 input depth " + std::to_string(w.k) + " exceeds " + std::to_string(kMaxInt8Depth));
  }
  kernels::QuantGrid out_grid;
  if (quant.output) {
    if (quant.output->axis != -1) {
      fail(ctx, ErrorCode::kUnsupported, "output quantization of an int8 Linear is per axis");
    }
    out_grid = kernels::grid_of(*quant.output);
  }
  const kernels::QuantGrid* output = quant.output ? &out_grid : nullptr;
  const int64_t m = x.numel() / w.k;
  const int threads = ctx.reference ? 1 : ctx.threads;
  const cpu::OutlierRows rows = mode == LinearMode::kDynamic
                                    ? cpu::OutlierRows(x.data<float>(), m, w, outliers, threads)
                                    : cpu::OutlierRows();
  const cpu::OutlierRows* float_columns = rows.empty() ? nullptr : &rows;
  const kernels::ActivationCodes codes =
      mode == LinearMode::kStatic
          ? cpu::quantize_static(x.data<float>(), m, w.k, static_input_grid(ctx, *quant.input),
                                 ctx.threads)
          : cpu::quantize_dynamic(x.data<float>(), m, w.k, ctx.threads, float_columns);
  Shape out_shape = x.shape();
  out_shape.back() = w.n;
  Tensor y = Tensor::uninitialized(DType::F32, out_shape);
  if (prepared && !ctx.reference) {
    prepared->run(codes, output, ctx.threads, y.data<float>(), float_columns);
    return y;
  }
  cpu::int8_accumulate_reference(codes, w, cpu::accumulators_in(y.data<float>()));
  const cpu::Int8Epilogue epilogue{bias ? bias->data<float>() : nullptr, attrs.activation, output,
                                   float_columns};
  cpu::int8_epilogue(codes, w, nullptr, epilogue, threads, y.data<float>());
  return y;
}

}  // namespace

LinearMode linear_mode(const fb::LinearAttrsT& attrs, const Tensor& weight,
                       const LinearQuant& quant) {
  if (weight.dtype() != DType::I8) return LinearMode::kFloat;
  if (quant.input) return LinearMode::kStatic;
  return attrs.dynamic_quant ? LinearMode::kDynamic : LinearMode::kWeightOnly;
}

void check_linear_weights(const OpContext& ctx, const Tensor& weight, const Tensor* bias) {
  expect_float(ctx, "weight", weight, 2);
  check_bias(ctx, weight, bias);
}

kernels::Int8Weight int8_weight(const OpContext& ctx, const Tensor& weight,
                                const fb::QuantParamsT* params) {
  return int8_rows(ctx, "int8 weight", "[N, K]", weight, params, ErrorCode::kUnsupported);
}

kernels::QuantGrid static_input_grid(const OpContext& ctx, const fb::QuantParamsT& params) {
  if (params.axis != -1 || params.scales.size() != 1) {
    fail(ctx, ErrorCode::kUnsupported, "static int8 input quantization must be per tensor");
  }
  const kernels::QuantGrid g = kernels::grid_of(params);
  if (!kernels::fits_s8(g) && !kernels::fits_u8(g)) {
    fail(ctx, ErrorCode::kUnsupported,
         "input codes [" + std::to_string(g.qmin) + ", " + std::to_string(g.qmax) +
             "] fit neither s8 nor u8");
  }
  return g;
}

Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const LinearQuant& quant,
              const PreparedLinear& prepared, const LinearOutliers& outliers) {
  const LinearMode mode = linear_mode(attrs, weight, quant);
  kernels::Int8Weight w;
  if (mode == LinearMode::kFloat) {
    check_linear_weights(ctx, weight, bias);
  } else {
    w = int8_weight(ctx, weight, quant.weight);
    check_bias(ctx, weight, bias);
  }
  check_input(ctx, attrs, x, weight);
  const cpu::FixedOutliers fixed = fixed_outliers(ctx, attrs, outliers, mode, w);
  if (mode == LinearMode::kStatic || mode == LinearMode::kDynamic) {
    return int8_linear(ctx, attrs, x, w, bias, quant, mode, prepared.int8_gemm, fixed);
  }
  Tensor y;
  if (mode == LinearMode::kWeightOnly) {
    const bool reference = ctx.reference || !prepared.float_gemm;
    const std::vector<float> dequantized =
        reference ? cpu::dequantize_weight(w) : std::vector<float>{};
    y = float_linear(ctx, attrs, x, dequantized.data(), w.n, bias, prepared.float_gemm);
  } else {
    y = float_linear(ctx, attrs, x, weight.data<float>(), weight.dim(0), bias, prepared.float_gemm);
  }
  if (quant.output) cpu::fake_quantize_tensor(*quant.output, "node '" + ctx.node + "'", y);
  return y;
}

Tensor linear(const OpContext& ctx, const fb::LinearAttrsT& attrs, const Tensor& x,
              const Tensor& weight, const Tensor* bias, const cpu::DnnlLinear* prepared) {
  return linear(ctx, attrs, x, weight, bias, {}, {prepared, nullptr});
}

}  // namespace qtx::ops
