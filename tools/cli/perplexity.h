// The arithmetic of `qtx eval`: negative log-likelihoods from logits, their running mean as a
// perplexity, and the relative error between two models' logits.
#pragma once

#include <cstdint>
#include <span>

namespace qtx::cli {

// -log softmax(logits)[target], computed in double with the max subtracted so that large
// logits neither overflow nor lose the target's contribution. Throws qtx::Error
// (kInvalidArgument) for a target outside the row.
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

// Accumulates ||a - b||_2 / ||a||_2 over the rows of one window: `a` is the reference model's
// logits, `b` the compared model's, both over the same scored positions.
class RelativeError {
 public:
  void add(std::span<const float> a, std::span<const float> b);  // spans of equal length
  double value() const;  // 0 when a and b are both zero; +inf when only a is

 private:
  double diff_squared_ = 0.0;
  double ref_squared_ = 0.0;
};

}  // namespace qtx::cli
