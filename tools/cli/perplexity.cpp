#include "tools/cli/perplexity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "qtx/error.h"

namespace qtx::cli {

double token_nll(std::span<const float> logits, int32_t target) {
  if (target < 0 || static_cast<size_t>(target) >= logits.size()) {
    throw Error(ErrorCode::kInvalidArgument, "perplexity: target id " + std::to_string(target) +
                                                 " is outside the " +
                                                 std::to_string(logits.size()) + " logits");
  }
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float logit : logits) sum += std::exp(static_cast<double>(logit) - max_logit);
  return max_logit + std::log(sum) - static_cast<double>(logits[static_cast<size_t>(target)]);
}

double NllAccumulator::mean() const {
  if (count_ == 0) {
    throw Error(ErrorCode::kInvalidArgument, "perplexity: no token was scored");
  }
  return total_ / static_cast<double>(count_);
}

double NllAccumulator::perplexity() const {
  return std::exp(mean());
}

void RelativeError::add(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) {
    throw Error(ErrorCode::kInvalidArgument, "compare: logits rows differ in width (" +
                                                 std::to_string(a.size()) + " vs " +
                                                 std::to_string(b.size()) + ")");
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const double ref = a[i];
    const double diff = ref - static_cast<double>(b[i]);
    ref_squared_ += ref * ref;
    diff_squared_ += diff * diff;
  }
}

double RelativeError::value() const {
  if (ref_squared_ == 0.0) {
    return diff_squared_ == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  }
  return std::sqrt(diff_squared_ / ref_squared_);
}

}  // namespace qtx::cli
