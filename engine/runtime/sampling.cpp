#include "engine/runtime/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "qtx/error.h"

namespace qtx::runtime {
namespace {

constexpr float kRemoved = -std::numeric_limits<float>::infinity();

void require_nonempty(std::span<const float> logits) {
  if (logits.empty()) throw Error(ErrorCode::kInternal, "sampling: empty row of logits");
}

// exp(logit - max) for every kept logit, 0 for removed ones; returns their sum.
double unnormalised_probabilities(std::span<const float> logits, std::vector<double>& out) {
  const float top = *std::max_element(logits.begin(), logits.end());
  out.resize(logits.size());
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    out[i] = logits[i] == kRemoved ? 0.0 : std::exp(static_cast<double>(logits[i] - top));
    sum += out[i];
  }
  return sum;
}

}  // namespace

void validate_sampling(const SamplingParams& params) {
  if (!(params.temperature >= 0.0f) || !std::isfinite(params.temperature)) {
    throw Error(ErrorCode::kInvalidArgument,
                "temperature must be a finite number >= 0 (0 means greedy), got " +
                    std::to_string(params.temperature));
  }
  if (params.top_k < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "top_k must be >= 0 (0 means off), got " + std::to_string(params.top_k));
  }
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) {
    throw Error(ErrorCode::kInvalidArgument,
                "top_p must be in (0, 1] (1 means off), got " + std::to_string(params.top_p));
  }
}

int32_t argmax(std::span<const float> logits) {
  require_nonempty(logits);
  // max_element returns the first of equal maxima: the lowest id, like torch.argmax.
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

void apply_temperature(std::span<float> logits, float temperature) {
  if (temperature == 1.0f) return;
  for (float& x : logits) x /= temperature;
}

void apply_top_k(std::span<float> logits, int top_k) {
  if (top_k <= 0 || static_cast<size_t>(top_k) >= logits.size()) return;
  std::vector<float> sorted(logits.begin(), logits.end());
  std::nth_element(sorted.begin(), sorted.begin() + (top_k - 1), sorted.end(),
                   std::greater<float>());
  const float kth = sorted[static_cast<size_t>(top_k - 1)];
  // Ties with the k-th value are kept, as HF's `scores < topk(...)[..., -1]` does.
  for (float& x : logits) {
    if (x < kth) x = kRemoved;
  }
}

void apply_top_p(std::span<float> logits, float top_p) {
  if (top_p >= 1.0f) return;
  require_nonempty(logits);
  std::vector<double> probs;
  const double sum = unnormalised_probabilities(logits, probs);
  // HF sorts ascending and removes the low tail whose cumulative mass is <= 1 - top_p; the
  // largest token always stays.
  std::vector<size_t> order(logits.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return logits[a] < logits[b]; });
  const double tail_limit = 1.0 - static_cast<double>(top_p);
  double cumulative = 0.0;
  for (size_t r = 0; r + 1 < order.size(); ++r) {
    cumulative += probs[order[r]] / sum;
    if (cumulative > tail_limit) break;
    logits[order[r]] = kRemoved;
  }
}

Sampler::Sampler(SamplingParams params, uint64_t seed) : params_(params), rng_(seed) {
  validate_sampling(params_);
}

int32_t Sampler::next(std::span<const float> logits) {
  if (params_.temperature == 0.0f) return argmax(logits);
  scratch_.assign(logits.begin(), logits.end());
  apply_temperature(scratch_, params_.temperature);
  apply_top_k(scratch_, params_.top_k);
  apply_top_p(scratch_, params_.top_p);
  return draw(scratch_);
}

int32_t Sampler::draw(std::span<const float> filtered_logits) {
  require_nonempty(filtered_logits);
  std::vector<double> probs;
  const double sum = unnormalised_probabilities(filtered_logits, probs);
  // 53 random bits -> a uniform double in [0, 1): the same on every platform, unlike
  // std::uniform_real_distribution whose algorithm is implementation-defined.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  const double target = u * sum;
  double cumulative = 0.0;
  int32_t last_kept = argmax(filtered_logits);
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] == 0.0) continue;
    cumulative += probs[i];
    last_kept = static_cast<int32_t>(i);
    if (cumulative > target) return last_kept;
  }
  return last_kept;  // rounding left target at the very top of the mass
}

}  // namespace qtx::runtime
