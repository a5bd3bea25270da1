// Summaries of measured latencies for `qtx bench`.
#pragma once

#include <vector>

namespace qtx::cli {

// The q-quantile (q in [0, 1]) with linear interpolation between the two nearest ranks, as
// numpy.percentile's default: rank q * (n - 1) of the sorted samples. Throws qtx::Error
// (kInvalidArgument) for no samples or q outside [0, 1].
double quantile(std::vector<double> samples, double q);

struct LatencySummary {
  double median_ms = 0.0;
  double p90_ms = 0.0;
};

LatencySummary summarize_latencies(const std::vector<double>& samples_ms);

}  // namespace qtx::cli
