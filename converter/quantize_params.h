// Ranges -> quantization parameters, following the INT8 contract in engine/format/qtx.fbs
// (QuantParams): value = (code - zero_point) * scale.
// - Activations, asymmetric: u8 codes [0, 255]; the range is widened to include 0 (so that 0,
//   and with it padding and ReLU zeros, is exact), zero point = round(-min / scale) clamped.
// - Activations, symmetric: s8 codes [-127, 127], zero point 0, scale = max|range| / 127.
// - Weights: s8 [-127, 127], symmetric, per output channel (row of [N, K]) or per tensor.
// A degenerate range (all zeros) gets kMinScale, so that every code still decodes to ~0 and
// the loader's "positive finite scale" check holds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "converter/calib_estimator.h"
#include "engine/graph/tensor.h"
#include "qtx_generated.h"

namespace qtx::convert {

constexpr float kMinScale = 1e-8f;

struct ActivationQuant {
  float scale = 1.0f;
  int zero_point = 0;
  int qmin = 0;
  int qmax = 255;
};

QuantGrid activation_grid(bool symmetric);
ActivationQuant activation_quant(ValueRange range, bool symmetric);
// Per-tensor QuantParams (axis -1) holding one scale and one zero point.
std::unique_ptr<fb::QuantParamsT> to_quant_params(const ActivationQuant& quant);

enum class WeightGranularity { kPerChannel, kPerTensor };
// How a weight scale is chosen: absmax / 127, or the clipping that minimizes the squared
// error of the weight's own values (the paper's OPT weights).
enum class WeightRange { kAbsMax, kMse };

struct QuantizedWeight {
  Tensor codes;               // I8, the weight's shape
  std::vector<float> scales;  // one per row (per channel) or one (per tensor)
  WeightGranularity granularity = WeightGranularity::kPerChannel;
};

// `weight`: F32 [N, K]. `name` names the tensor in errors (a non-finite weight is refused).
QuantizedWeight quantize_weight(const Tensor& weight, WeightGranularity granularity,
                                WeightRange range, const std::string& name);
// QuantParams of a quantized weight: axis 0 per channel, -1 per tensor; qmin -127, qmax 127.
std::unique_ptr<fb::QuantParamsT> weight_quant_params(const QuantizedWeight& weight);

}  // namespace qtx::convert
