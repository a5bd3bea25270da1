#include "converter/calib_minmax.h"

#include <algorithm>

#include "qtx/error.h"

namespace qtx::convert {
void MinMaxEstimator::observe(std::span<const float> batch) {
  if (batch.empty()) return;
  const ValueRange r = batch_range(batch);
  range_ = seen_ ? ValueRange{std::min(range_.min, r.min), std::max(range_.max, r.max)} : r;
  seen_ = true;
}

ValueRange MinMaxEstimator::range() const {
  require_observed(seen_);
  return range_;
}

RunningMinMaxEstimator::RunningMinMaxEstimator(double momentum) : momentum_(momentum) {
  if (!(momentum >= 0.0 && momentum < 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "running min-max: momentum " + std::to_string(momentum) + " is not in [0, 1)");
  }
}

void RunningMinMaxEstimator::observe(std::span<const float> batch) {
  if (batch.empty()) return;
  const ValueRange r = batch_range(batch);
  if (!seen_) {
    min_ = r.min;
    max_ = r.max;
    seen_ = true;
    return;
  }
  min_ = momentum_ * min_ + (1.0 - momentum_) * r.min;
  max_ = momentum_ * max_ + (1.0 - momentum_) * r.max;
}

ValueRange RunningMinMaxEstimator::range() const {
  require_observed(seen_);
  return {static_cast<float>(min_), static_cast<float>(max_)};
}

}  // namespace qtx::convert
