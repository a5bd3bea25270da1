// The arithmetic of `qtx eval`: negative log-likelihoods from logits, their running mean as a
// perplexity, and the relative error between two models' logits.
#pragma once

#include <cstdint>
#include <span>

namespace qtx::cli {

// -log softmax(logits)[target]: max + log(sum_i e^(logits[i] - max)) - logits[target], the
// max subtracted so that large logits neither overflow nor lose the target's contribution.
// The exponentials run in float on SIMD lanes and are summed in double; the NLL is within
// 2.4e-7 + 6e-8 * H of the exact one (H: the row's entropy in nats, at most log(width)),
// see perplexity.cpp. Throws qtx::Error (kInvalidArgument) for a target outside the row.
double token_nll(std::span<const float> logits, int32_t target);

// Sums NLLs over scored tokens; the perplexity is exp(mean NLL).
class NllAccumulator {
 public:
  void add(double nll) {
    total_ += nll;
    ++count_;
  }
  int64_t count() const { return count_; }
  double mean() const;        // throws kInvalidArgument when nothing was scored
  double perplexity() const;  // exp(mean())

 private:
  double total_ = 0.0;
  int64_t count_ = 0;
};

// One row's share of a relative error: ||reference - other||^2 and ||reference||^2.
struct SquaredNorms {
  double difference = 0.0;
  double reference = 0.0;
};

// Computed in double. Throws qtx::Error (kInvalidArgument) for rows of different widths.
SquaredNorms squared_norms(std::span<const float> reference, std::span<const float> other);

// Accumulates ||a - b||_2 / ||a||_2 over the rows of one window: `a` is the reference model's
// logits, `b` the compared model's, both over the same scored positions.
class RelativeError {
 public:
  void add(const SquaredNorms& row) {
    diff_squared_ += row.difference;
    ref_squared_ += row.reference;
  }
  double value() const;  // 0 when a and b are both zero; +inf when only a is

 private:
  double diff_squared_ = 0.0;
  double ref_squared_ = 0.0;
};

}  // namespace qtx::cli
