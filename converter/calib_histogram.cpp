#include "converter/calib_histogram.h"

#include <algorithm>
#include <cmath>

namespace qtx::convert {
namespace {

// The smallest R: an all-zero first batch still gets bins of a usable width.
constexpr double kMinHalfRange = 1e-6;

}  // namespace

Histogram::Histogram() : counts_(kBins, 0) {}

// Doubling R makes each new bin exactly two old ones: old bin j lands in kBins / 4 + j / 2.
void Histogram::grow_to(double absmax) {
  if (half_range_ == 0.0) {
    half_range_ = std::max(absmax, kMinHalfRange);
    return;
  }
  while (absmax > half_range_) {
    std::vector<uint64_t> merged(kBins, 0);
    for (size_t j = 0; j < counts_.size(); ++j) merged[kBins / 4 + j / 2] += counts_[j];
    counts_ = std::move(merged);
    half_range_ *= 2.0;
  }
}

int Histogram::bin_of(float x) const {
  const double position = (x + half_range_) / bin_width();
  return std::clamp(static_cast<int>(std::floor(position)), 0, kBins - 1);
}

void Histogram::add(std::span<const float> batch) {
  if (batch.empty()) return;
  const ValueRange r = batch_range(batch);
  range_ = total_ == 0 ? r : ValueRange{std::min(range_.min, r.min), std::max(range_.max, r.max)};
  grow_to(std::max(std::fabs(static_cast<double>(r.min)), std::fabs(static_cast<double>(r.max))));
  for (float x : batch) ++counts_[static_cast<size_t>(bin_of(x))];
  total_ += batch.size();
}

double Histogram::quantile(double q) const {
  require_observed(total_ > 0);
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(total_);
  double below = 0.0;
  double value = range_.max;
  for (int i = 0; i < kBins; ++i) {
    const double n = count(i);
    if (n > 0.0 && below + n >= target) {
      value = -half_range_ + (i + (target - below) / n) * bin_width();
      break;
    }
    below += n;
  }
  return std::clamp(value, static_cast<double>(range_.min), static_cast<double>(range_.max));
}

}  // namespace qtx::convert
