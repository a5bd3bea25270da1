#include "tools/cli/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qtx/error.h"

namespace qtx::cli {

double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "bench: no latency samples to summarize");
  }
  if (!(q >= 0.0 && q <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: quantile must lie in [0, 1], got " + std::to_string(q));
  }
  std::sort(samples.begin(), samples.end());
  const double rank = q * static_cast<double>(samples.size() - 1);
  const auto below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, samples.size() - 1);
  const double fraction = rank - static_cast<double>(below);
  return samples[below] + fraction * (samples[above] - samples[below]);
}

LatencySummary summarize_latencies(const std::vector<double>& samples_ms) {
  return {quantile(samples_ms, 0.5), quantile(samples_ms, 0.9)};
}

}  // namespace qtx::cli
