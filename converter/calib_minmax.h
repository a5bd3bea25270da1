// The two min-max estimators: over all batches, and the exponential moving average of each
// batch's min and max (the paper's running min-max).
#pragma once

#include "converter/calib_estimator.h"

namespace qtx::convert {

// The smallest and largest value of every batch seen.
class MinMaxEstimator : public RangeEstimator {
 public:
  void observe(std::span<const float> batch) override;
  ValueRange range() const override;

 private:
  ValueRange range_;
  bool seen_ = false;
};

// The first batch's min and max initialize the range; each later batch moves it:
// r <- momentum * r + (1 - momentum) * batch (as the paper's code, momentum 0.9).
class RunningMinMaxEstimator : public RangeEstimator {
 public:
  explicit RunningMinMaxEstimator(double momentum = 0.9);
  void observe(std::span<const float> batch) override;
  ValueRange range() const override;

 private:
  double momentum_;
  double min_ = 0.0;
  double max_ = 0.0;
  bool seen_ = false;
};

}  // namespace qtx::convert
