// Activation range estimators of calibration (DESIGN.md, "Quantization semantics"): each one is
// fed the values of one quantization point, one calibration batch at a time, and answers the
// (min, max) range its quantizer will use. converter/quantize_params.h turns a range into a
// scale and zero point.
#pragma once

#include <memory>
#include <span>
#include <string>

namespace qtx::convert {

struct ValueRange {
  float min = 0.0f;
  float max = 0.0f;
};

// The integer grid a range is mapped onto: asymmetric u8 [0, 255] or symmetric s8 [-127, 127].
// The MSE estimator measures the quantization error on it.
struct QuantGrid {
  int qmin = 0;
  int qmax = 255;
  bool symmetric = false;
};

enum class EstimatorKind { kMinMax, kRunningMinMax, kPercentile, kMse };

struct EstimatorSpec {
  EstimatorKind kind = EstimatorKind::kMinMax;
  double percentile = 0.0;  // kPercentile: P in [50, 100]

  // "minmax" | "running-minmax" | "percentile:P" | "mse"; anything else is kInvalidArgument.
  static EstimatorSpec parse(const std::string& text);
  // The text form parse() reads ("percentile:99.99").
  std::string name() const;
};

class RangeEstimator {
 public:
  virtual ~RangeEstimator() = default;
  // One calibration batch (an empty one is ignored). A NaN or infinity is kInvalidArgument:
  // a float model that produces them cannot be calibrated.
  virtual void observe(std::span<const float> batch) = 0;
  // kInvalidArgument when no value was observed.
  virtual ValueRange range() const = 0;
};

std::unique_ptr<RangeEstimator> make_estimator(const EstimatorSpec& spec, const QuantGrid& grid);

// The (min, max) of a non-empty batch; throws kInvalidArgument on a non-finite value.
ValueRange batch_range(std::span<const float> batch);
// Throws kInvalidArgument ("no value was observed") unless `seen`.
void require_observed(bool seen);

}  // namespace qtx::convert
