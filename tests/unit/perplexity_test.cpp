// The arithmetic of `qtx eval` (tools/cli/perplexity.h) against hand-computed values and a
// direct double log-softmax.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "qtx/error.h"
#include "tools/cli/perplexity.h"

namespace qtx::cli {
namespace {

// -log softmax(logits)[target] in double, one std::exp per logit: what token_nll replaced.
double reference_nll(const std::vector<float>& logits, int32_t target) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float logit : logits) sum += std::exp(static_cast<double>(logit) - max);
  return max + std::log(sum) - static_cast<double>(logits[static_cast<size_t>(target)]);
}

// E_p[max - logit] under softmax(logits): the weight of the float rounding of the
// differences in token_nll's error bound (perplexity.cpp).
double mean_distance_from_max(const std::vector<float>& logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  double weighted = 0.0;
  for (float logit : logits) {
    const double p = std::exp(static_cast<double>(logit) - max);
    sum += p;
    weighted += p * (max - static_cast<double>(logit));
  }
  return weighted / sum;
}

std::vector<float> random_logits(size_t width, float stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> logits(width);
  for (float& logit : logits) logit = normal(rng);
  return logits;
}

TEST(Perplexity, TokenNllIsMinusLogSoftmax) {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f};
  // -log(e^3 / (e^1 + e^2 + e^3)) = log(1 + e^-1 + e^-2); the float exponentials are within
  // 2.4e-7 + 6e-8 * 2 relative (perplexity.cpp), 1e-6 covers them.
  EXPECT_NEAR(token_nll(logits, 2), std::log(1.0 + std::exp(-1.0) + std::exp(-2.0)), 1e-6);
  EXPECT_NEAR(token_nll(logits, 0), std::log(1.0 + std::exp(1.0) + std::exp(2.0)), 1e-6);
}

TEST(Perplexity, LargeLogitsDoNotOverflow) {
  const std::vector<float> logits{1000.0f, 0.0f};
  EXPECT_NEAR(token_nll(logits, 1), 1000.0, 1e-9);
  EXPECT_NEAR(token_nll(logits, 0), std::log1p(std::exp(-1000.0)), 1e-12);
}

TEST(Perplexity, UniformLogitsGiveTheVocabularySize) {
  const std::vector<float> logits(50, 0.25f);
  NllAccumulator nll;
  for (int32_t t = 0; t < 50; t += 7) nll.add(token_nll(logits, t));
  // Every difference is 0 and e^0 is exactly 1, so the sum is exactly 50.
  EXPECT_NEAR(nll.perplexity(), 50.0, 1e-9);
}

// Rows of every width up to 40 (whole lanes, tails and padding) against the double reference.
// Logits within +-4 give differences up to 8: the bound is 2.4e-7 + 6e-8 * 8 < 1e-6.
TEST(Perplexity, TokenNllEqualsADoubleLogSoftmaxOnSmallRows) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-4.0f, 4.0f);
  for (size_t width = 1; width <= 40; ++width) {
    std::vector<float> logits(width);
    for (float& logit : logits) logit = uniform(rng);
    for (int32_t target = 0; target < static_cast<int32_t>(width); target += 3) {
      EXPECT_NEAR(token_nll(logits, target), reference_nll(logits, target), 1e-6)
          << "width " << width << " target " << target;
    }
  }
}

// OPT's vocabulary (50257: 98 blocks of 512 and a padded tail). perplexity.cpp bounds the
// error by 2.4e-7 (exp_nonpositive's 2 ulp) + 2^-24 * E_p[max - logit] (the differences
// rounded to float); the test allows that bound plus 1e-9 for the double arithmetic. Spreads
// from peaked to flat distributions make both terms of the bound matter.
TEST(Perplexity, TokenNllIsWithinItsErrorBoundOnAWideVocabulary) {
  std::mt19937 rng(11);
  for (float stddev : {0.5f, 2.0f, 4.0f, 8.0f}) {
    const std::vector<float> logits = random_logits(50257, stddev, rng);
    const double bound = 2.4e-7 + std::ldexp(mean_distance_from_max(logits), -24) + 1e-9;
    const auto argmax =
        static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    for (int32_t target : {0, 12345, 50256, argmax}) {
      EXPECT_NEAR(token_nll(logits, target), reference_nll(logits, target), bound)
          << "stddev " << stddev << " target " << target;
    }
  }
}

TEST(Perplexity, IsExpOfTheMeanNll) {
  // Targets with probabilities 1/2 and 1/8: mean NLL = (ln 2 + ln 8) / 2 = 2 ln 2 -> ppl 4.
  const std::vector<float> half{0.0f, 0.0f};
  const std::vector<float> eighth{0.0f, static_cast<float>(std::log(7.0))};
  NllAccumulator nll;
  nll.add(token_nll(half, 0));
  nll.add(token_nll(eighth, 0));
  EXPECT_EQ(nll.count(), 2);
  EXPECT_NEAR(nll.mean(), 2.0 * std::log(2.0), 1e-6);
  EXPECT_NEAR(nll.perplexity(), 4.0, 1e-5);
}

TEST(Perplexity, RejectsTargetsOutsideTheRowAndEmptySums) {
  const std::vector<float> logits{0.0f, 1.0f};
  EXPECT_THROW(token_nll(logits, 2), Error);
  EXPECT_THROW(token_nll(logits, -1), Error);
  EXPECT_THROW(NllAccumulator().perplexity(), Error);
}

TEST(RelativeErrorTest, IsTheNormOfTheDifferenceOverTheNormOfTheReference) {
  RelativeError error;
  const std::vector<float> a1{3.0f, 0.0f}, b1{3.0f, 1.0f};
  const std::vector<float> a2{0.0f, 4.0f}, b2{0.0f, 4.0f};
  error.add(squared_norms(a1, b1));
  error.add(squared_norms(a2, b2));
  EXPECT_NEAR(error.value(), 1.0 / 5.0, 1e-12);  // ||(0,1,0,0)|| / ||(3,0,0,4)||
}

// Widths with and without a tail after the 8-wide lanes, against a plain double loop (the
// sums differ only in their order: 1e-13 relative covers that).
TEST(RelativeErrorTest, SquaredNormsEqualAPlainDoubleLoop) {
  std::mt19937 rng(3);
  for (size_t width : {1u, 7u, 8u, 9u, 64u, 50257u}) {
    const std::vector<float> a = random_logits(width, 3.0f, rng);
    const std::vector<float> b = random_logits(width, 3.0f, rng);
    double difference = 0.0;
    double reference = 0.0;
    for (size_t i = 0; i < width; ++i) {
      difference += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
      reference += static_cast<double>(a[i]) * a[i];
    }
    const SquaredNorms norms = squared_norms(a, b);
    EXPECT_NEAR(norms.difference, difference, 1e-13 * difference) << width;
    EXPECT_NEAR(norms.reference, reference, 1e-13 * reference) << width;
  }
}

TEST(RelativeErrorTest, ZeroWhenEqualAndRejectsRowsOfDifferentWidths) {
  RelativeError same;
  const std::vector<float> a{1.0f, -2.0f};
  same.add(squared_norms(a, a));
  EXPECT_EQ(same.value(), 0.0);
  const std::vector<float> b{1.0f};
  EXPECT_THROW(squared_norms(a, b), Error);
}

}  // namespace
}  // namespace qtx::cli
