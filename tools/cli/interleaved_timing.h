// Timing several benchmarks in one process so that machine noise (other processes, frequency
// changes, a noisy VM neighbour) hits them alike: all are warmed up first, then their timed
// iterations alternate, A, B, A, B, ...
#pragma once

#include <functional>
#include <vector>

namespace qtx::cli {

// One iteration of a benchmark; returns its milliseconds (it may exclude untimed setup).
using TimedStep = std::function<double()>;

// Runs each step `warmup` times (results dropped), then `iterations` rounds of every step in
// order. Returns the timed milliseconds by step: result[j][i] is step j's i-th round.
std::vector<std::vector<double>> time_interleaved(const std::vector<TimedStep>& steps, int warmup,
                                                  int iterations);

}  // namespace qtx::cli
