// The arithmetic of `qtx eval` (tools/cli/perplexity.h) against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "qtx/error.h"
// The CLI's helpers are not in a library the tests link, so the one under test is compiled in.
#include "tools/cli/perplexity.h"

namespace qtx::cli {
namespace {

TEST(Perplexity, TokenNllIsMinusLogSoftmax) {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f};
  // -log(e^3 / (e^1 + e^2 + e^3)) = log(1 + e^-1 + e^-2)
  EXPECT_NEAR(token_nll(logits, 2), std::log(1.0 + std::exp(-1.0) + std::exp(-2.0)), 1e-12);
  EXPECT_NEAR(token_nll(logits, 0), std::log(1.0 + std::exp(1.0) + std::exp(2.0)), 1e-12);
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
  EXPECT_NEAR(nll.perplexity(), 50.0, 1e-9);
}

TEST(Perplexity, IsExpOfTheMeanNll) {
  // Targets with probabilities 1/2 and 1/8: mean NLL = (ln 2 + ln 8) / 2 = 2 ln 2 -> ppl 4.
  const std::vector<float> half{0.0f, 0.0f};
  const std::vector<float> eighth{0.0f, static_cast<float>(std::log(7.0))};
  NllAccumulator nll;
  nll.add(token_nll(half, 0));
  nll.add(token_nll(eighth, 0));
  EXPECT_EQ(nll.count(), 2);
  EXPECT_NEAR(nll.mean(), 2.0 * std::log(2.0), 1e-7);
  EXPECT_NEAR(nll.perplexity(), 4.0, 1e-6);
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
  error.add(a1, b1);
  error.add(a2, b2);
  EXPECT_NEAR(error.value(), 1.0 / 5.0, 1e-12);  // ||(0,1,0,0)|| / ||(3,0,0,4)||
}

TEST(RelativeErrorTest, ZeroWhenEqualAndRejectsRowsOfDifferentWidths) {
  RelativeError same;
  const std::vector<float> a{1.0f, -2.0f};
  same.add(a, a);
  EXPECT_EQ(same.value(), 0.0);
  RelativeError mismatch;
  const std::vector<float> b{1.0f};
  EXPECT_THROW(mismatch.add(a, b), Error);
}

}  // namespace
}  // namespace qtx::cli
