#include "converter/calib_percentile.h"

#include "qtx/error.h"

namespace qtx::convert {

PercentileEstimator::PercentileEstimator(double percentile) : percentile_(percentile) {
  if (!(percentile >= 50.0 && percentile <= 100.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "percentile estimator: P " + std::to_string(percentile) + " is not in [50, 100]");
  }
}

ValueRange PercentileEstimator::range() const {
  const double tail = 1.0 - percentile_ / 100.0;
  return {static_cast<float>(histogram_.quantile(tail)),
          static_cast<float>(histogram_.quantile(1.0 - tail))};
}

}  // namespace qtx::convert
