#include "tools/cli/interleaved_timing.h"

namespace qtx::cli {

std::vector<std::vector<double>> time_interleaved(const std::vector<TimedStep>& steps, int warmup,
                                                  int iterations) {
  for (const TimedStep& step : steps) {
    for (int i = 0; i < warmup; ++i) step();
  }
  std::vector<std::vector<double>> samples(steps.size());
  for (int i = 0; i < iterations; ++i) {
    for (size_t j = 0; j < steps.size(); ++j) samples[j].push_back(steps[j]());
  }
  return samples;
}

}  // namespace qtx::cli
