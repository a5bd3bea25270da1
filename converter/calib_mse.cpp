#include "converter/calib_mse.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qtx::convert {

MseEstimator::MseEstimator(QuantGrid grid) : grid_(grid) {}

MseEstimator::Moments MseEstimator::moments() const {
  Moments m;
  const size_t bins = Histogram::kBins;
  m.n.assign(bins + 1, 0.0);
  m.nc.assign(bins + 1, 0.0);
  m.ncc.assign(bins + 1, 0.0);
  for (size_t i = 0; i < bins; ++i) {
    const double n = histogram_.count(static_cast<int>(i));
    const double c = histogram_.center(static_cast<int>(i));
    m.n[i + 1] = m.n[i] + n;
    m.nc[i + 1] = m.nc[i] + n * c;
    m.ncc[i + 1] = m.ncc[i] + n * c * c;
  }
  return m;
}

// Bins [0, below) have centers under lo; bins [above, kBins) centers over hi.
double MseEstimator::error(const Moments& m, double lo, double hi) const {
  const double width = histogram_.bin_width();
  const double origin = histogram_.center(0);
  const auto first_center_at_or_above = [&](double x) {
    return static_cast<size_t>(
        std::clamp(std::ceil((x - origin) / width), 0.0, static_cast<double>(Histogram::kBins)));
  };
  const size_t below = first_center_at_or_above(lo);
  const size_t above = std::max(below, first_center_at_or_above(std::nextafter(hi, HUGE_VAL)));
  const size_t end = Histogram::kBins;
  // sum n (c - b)^2 = sum n c^2 - 2 b sum n c + b^2 sum n, over a run of bins.
  const auto clipped = [&](size_t from, size_t to, double bound) {
    const double n = m.n[to] - m.n[from];
    const double nc = m.nc[to] - m.nc[from];
    const double ncc = m.ncc[to] - m.ncc[from];
    return ncc - 2.0 * bound * nc + bound * bound * n;
  };
  const double step = (hi - lo) / (grid_.qmax - grid_.qmin);
  const double inside = m.n[above] - m.n[below];
  return clipped(0, below, lo) + clipped(above, end, hi) + inside * step * step / 12.0;
}

ValueRange MseEstimator::range() const {
  require_observed(!histogram_.empty());
  const ValueRange observed = histogram_.exact_range();
  const double min = std::min(0.0, static_cast<double>(observed.min));
  const double max = std::max(0.0, static_cast<double>(observed.max));
  if (max - min == 0.0) return {0.0f, 0.0f};
  const Moments m = moments();
  double best = std::numeric_limits<double>::infinity();
  ValueRange best_range{static_cast<float>(min), static_cast<float>(max)};
  const auto consider = [&](double lo, double hi) {
    const double e = error(m, lo, hi);
    if (e < best) {
      best = e;
      best_range = {static_cast<float>(lo), static_cast<float>(hi)};
    }
  };
  if (grid_.symmetric) {
    const double absmax = std::max(-min, max);
    for (int k = 1; k <= kSteps; ++k) {
      const double alpha = absmax * k / kSteps;
      consider(-alpha, alpha);
    }
  } else {
    for (int a = 0; a <= kSteps; ++a) {
      for (int b = 0; b <= kSteps; ++b) {
        if (a + b > 0) consider(min * a / kSteps, max * b / kSteps);
      }
    }
  }
  return best_range;
}

}  // namespace qtx::convert
