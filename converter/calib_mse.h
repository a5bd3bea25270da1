// The MSE estimator: the clipping range that minimizes the expected squared quantization error
// of the observed values on the target grid. Each candidate range [lo, hi] is scored on the
// histogram as clipping error (sum over bins outside it of n * (center - bound)^2) plus
// rounding noise (step^2 / 12 for every value inside it); the zero point's rounding is ignored.
// Candidates: lo and hi shrink independently in steps of 1/kSteps of the observed min and max
// (symmetric grids: one bound alpha in steps of 1/kSteps of max |x|).
#pragma once

#include <vector>

#include "converter/calib_histogram.h"

namespace qtx::convert {

class MseEstimator : public RangeEstimator {
 public:
  static constexpr int kSteps = 200;

  explicit MseEstimator(QuantGrid grid);
  void observe(std::span<const float> batch) override { histogram_.add(batch); }
  ValueRange range() const override;

 private:
  // Prefix sums over bins of n, n * c and n * c^2 (c: the bin center).
  struct Moments {
    std::vector<double> n, nc, ncc;
  };
  Moments moments() const;
  double error(const Moments& m, double lo, double hi) const;

  QuantGrid grid_;
  Histogram histogram_;
};

}  // namespace qtx::convert
