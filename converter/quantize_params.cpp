#include "converter/quantize_params.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr int kWeightQmax = 127;
// The MSE weight range tries alpha = absmax * k / kWeightMseSteps, k = 1..kWeightMseSteps.
constexpr int kWeightMseSteps = 100;

// Rounds half to even, as the contract's round_half_even (the default FP rounding mode).
int round_code(double x, int qmin, int qmax) {
  return static_cast<int>(
      std::clamp(std::nearbyint(x), static_cast<double>(qmin), static_cast<double>(qmax)));
}

float safe_scale(double scale) {
  return std::max(static_cast<float>(scale), kMinScale);
}

double absmax_of(std::span<const float> values, const std::string& name) {
  double absmax = 0.0;
  for (float w : values) {
    if (!std::isfinite(w)) {
      throw Error(ErrorCode::kInvalidFile, "quantize: weight '" + name + "' holds " +
                                               std::to_string(w) + ", not a finite number");
    }
    absmax = std::max(absmax, std::fabs(static_cast<double>(w)));
  }
  return absmax;
}

double squared_error(std::span<const float> values, double scale) {
  double error = 0.0;
  for (float w : values) {
    const double decoded = round_code(w / scale, -kWeightQmax, kWeightQmax) * scale;
    error += (w - decoded) * (w - decoded);
  }
  return error;
}

// The scale of one group of values (a row, or the whole tensor).
float weight_scale(std::span<const float> values, WeightRange range, const std::string& name) {
  const double absmax = absmax_of(values, name);
  if (absmax == 0.0) return kMinScale;
  if (range == WeightRange::kAbsMax) return safe_scale(absmax / kWeightQmax);
  double best_scale = absmax / kWeightQmax;
  double best_error = squared_error(values, best_scale);
  for (int k = 1; k < kWeightMseSteps; ++k) {
    const double scale = absmax * k / kWeightMseSteps / kWeightQmax;
    const double error = squared_error(values, scale);
    if (error < best_error) {
      best_error = error;
      best_scale = scale;
    }
  }
  return safe_scale(best_scale);
}

}  // namespace

QuantGrid activation_grid(bool symmetric) {
  return symmetric ? QuantGrid{-kWeightQmax, kWeightQmax, true} : QuantGrid{0, 255, false};
}

ActivationQuant activation_quant(ValueRange range, bool symmetric) {
  const double lo = std::min(0.0, static_cast<double>(range.min));
  const double hi = std::max(0.0, static_cast<double>(range.max));
  const QuantGrid grid = activation_grid(symmetric);
  ActivationQuant q;
  q.qmin = grid.qmin;
  q.qmax = grid.qmax;
  if (symmetric) {
    q.scale = safe_scale(std::max(-lo, hi) / grid.qmax);
    return q;
  }
  q.scale = safe_scale((hi - lo) / (grid.qmax - grid.qmin));
  q.zero_point = round_code(grid.qmin - lo / q.scale, grid.qmin, grid.qmax);
  return q;
}

std::unique_ptr<fb::QuantParamsT> to_quant_params(const ActivationQuant& quant) {
  auto params = std::make_unique<fb::QuantParamsT>();
  params->axis = -1;
  params->scales = {quant.scale};
  params->zero_points = {quant.zero_point};
  params->qmin = quant.qmin;
  params->qmax = quant.qmax;
  return params;
}

QuantizedWeight quantize_weight(const Tensor& weight, WeightGranularity granularity,
                                WeightRange range, const std::string& name) {
  if (weight.dtype() != DType::F32 || weight.rank() != 2) {
    throw Error(ErrorCode::kInvalidArgument,
                "quantize: weight '" + name + "' is " + std::string(dtype_name(weight.dtype())) +
                    " " + shape_string(weight.shape()) + ", expected a float32 matrix [N, K]");
  }
  const auto rows = static_cast<size_t>(weight.dim(0));
  const auto cols = static_cast<size_t>(weight.dim(1));
  const std::span<const float> all(weight.data<float>(), rows * cols);
  QuantizedWeight out{Tensor(DType::I8, weight.shape()), {}, granularity};
  if (granularity == WeightGranularity::kPerTensor) {
    out.scales = {weight_scale(all, range, name)};
  } else {
    for (size_t r = 0; r < rows; ++r) {
      out.scales.push_back(weight_scale(all.subspan(r * cols, cols), range, name));
    }
  }
  int8_t* codes = out.codes.data<int8_t>();
  for (size_t r = 0; r < rows; ++r) {
    const double scale = out.scales.size() == 1 ? out.scales[0] : out.scales[r];
    for (size_t c = 0; c < cols; ++c) {
      codes[r * cols + c] =
          static_cast<int8_t>(round_code(all[r * cols + c] / scale, -kWeightQmax, kWeightQmax));
    }
  }
  return out;
}

std::unique_ptr<fb::QuantParamsT> weight_quant_params(const QuantizedWeight& weight) {
  auto params = std::make_unique<fb::QuantParamsT>();
  params->axis = weight.granularity == WeightGranularity::kPerTensor ? -1 : 0;
  params->scales = weight.scales;
  params->qmin = -kWeightQmax;
  params->qmax = kWeightQmax;
  return params;
}

}  // namespace qtx::convert
