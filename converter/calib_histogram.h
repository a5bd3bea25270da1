// A histogram of every value a quantization point produced, in bounded memory: kBins bins over
// a symmetric range [-R, R] that doubles (merging pairs of bins, exactly) whenever a batch
// exceeds it. The percentile and MSE estimators read it; the exact min and max are kept too.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "converter/calib_estimator.h"

namespace qtx::convert {

class Histogram {
 public:
  static constexpr int kBins = 8192;

  Histogram();
  // Adds a non-empty batch; throws kInvalidArgument on a non-finite value.
  void add(std::span<const float> batch);

  bool empty() const { return total_ == 0; }
  double total() const { return static_cast<double>(total_); }
  ValueRange exact_range() const { return range_; }
  double count(int bin) const { return static_cast<double>(counts_[static_cast<size_t>(bin)]); }
  double bin_width() const { return 2.0 * half_range_ / kBins; }
  double center(int bin) const { return -half_range_ + (bin + 0.5) * bin_width(); }

  // The value below which a fraction q in [0, 1] of the values lie, interpolated linearly
  // inside its bin and clamped to the exact range.
  double quantile(double q) const;

 private:
  void grow_to(double absmax);
  int bin_of(float x) const;

  std::vector<uint64_t> counts_;
  double half_range_ = 0.0;  // R; 0 until the first batch
  uint64_t total_ = 0;
  ValueRange range_;
};

}  // namespace qtx::convert
