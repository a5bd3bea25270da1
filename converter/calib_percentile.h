// The percentile estimator: the range between the (100 - P)th and the Pth percentile of every
// value observed, so that rare outliers in both tails are clipped. Values are kept in a
// histogram (converter/calib_histogram.h), so memory stays bounded and the result does not
// depend on sampling.
#pragma once

#include "converter/calib_histogram.h"

namespace qtx::convert {

class PercentileEstimator : public RangeEstimator {
 public:
  explicit PercentileEstimator(double percentile);
  void observe(std::span<const float> batch) override { histogram_.add(batch); }
  ValueRange range() const override;

 private:
  double percentile_;
  Histogram histogram_;
};

}  // namespace qtx::convert
