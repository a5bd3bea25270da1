#include "engine/format/quant_checks.h"

#include <cmath>

namespace qtx::format {

std::string quant_grid_problem(const fb::QuantParamsT& q) {
  if (q.scales.empty()) return "quantization has no scale";
  for (size_t i = 0; i < q.scales.size(); ++i) {
    if (!std::isfinite(q.scales[i]) || !(q.scales[i] > 0.0f)) {
      return "quantization scale #" + std::to_string(i) + " is " + std::to_string(q.scales[i]) +
             ", not a positive finite number";
    }
  }
  if (q.qmin < -128 || q.qmax > 255 || q.qmin >= q.qmax) {
    return "quantization range [" + std::to_string(q.qmin) + ", " + std::to_string(q.qmax) +
           "] is not an increasing range within [-128, 255]";
  }
  if (!q.zero_points.empty() && q.zero_points.size() != q.scales.size()) {
    return std::to_string(q.zero_points.size()) + " zero points for " +
           std::to_string(q.scales.size()) + " scales";
  }
  for (size_t i = 0; i < q.zero_points.size(); ++i) {
    if (q.zero_points[i] < q.qmin || q.zero_points[i] > q.qmax) {
      return "zero point #" + std::to_string(i) + " (" + std::to_string(q.zero_points[i]) +
             ") is outside [" + std::to_string(q.qmin) + ", " + std::to_string(q.qmax) + "]";
    }
  }
  return "";
}

}  // namespace qtx::format
