// Sampling against hand-computed distributions: greedy ties, HF's top-k / top-p filtering,
// temperature, seed reproducibility and that draws follow the filtered probabilities.
#include "engine/runtime/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "qtx/error.h"

namespace qtx::runtime {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Logits whose softmax is exactly `probs` (log is a valid choice of logits).
std::vector<float> logits_of(const std::vector<float>& probs) {
  std::vector<float> logits;
  for (float p : probs) logits.push_back(std::log(p));
  return logits;
}

std::vector<bool> kept(const std::vector<float>& logits) {
  std::vector<bool> out;
  for (float x : logits) out.push_back(x != -kInf);
  return out;
}

TEST(Sampling, ArgmaxPicksLowestIdOnTies) {
  EXPECT_EQ(argmax(std::vector<float>{1.0f, 3.0f, 3.0f, 2.0f}), 1);
  EXPECT_EQ(argmax(std::vector<float>{5.0f, 5.0f}), 0);
  EXPECT_EQ(argmax(std::vector<float>{-kInf, -1.0f}), 1);
}

TEST(Sampling, TopKKeepsTheKLargestAndTiesWithTheKth) {
  std::vector<float> logits{0.5f, 3.0f, 1.0f, 2.0f, 1.0f};
  apply_top_k(logits, 2);
  EXPECT_EQ(kept(logits), (std::vector<bool>{false, true, false, true, false}));
  // HF keeps every logit equal to the k-th: k = 3 here keeps both 1.0s.
  std::vector<float> ties{0.5f, 3.0f, 1.0f, 2.0f, 1.0f};
  apply_top_k(ties, 3);
  EXPECT_EQ(kept(ties), (std::vector<bool>{false, true, true, true, true}));
}

TEST(Sampling, TopPKeepsTheSmallestHeadReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: p = 0.75 needs {0.5, 0.3}; HF removes the ascending
  // tail while its cumulative mass is <= 1 - p = 0.25 (0.05, then 0.05 + 0.15 = 0.2).
  std::vector<float> logits = logits_of({0.15f, 0.5f, 0.05f, 0.3f});
  apply_top_p(logits, 0.75f);
  EXPECT_EQ(kept(logits), (std::vector<bool>{false, true, false, true}));
  // p = 0.85 needs the 0.15 too (the tail limit 0.15 stops after the 0.05).
  std::vector<float> more = logits_of({0.15f, 0.5f, 0.05f, 0.3f});
  apply_top_p(more, 0.85f);
  EXPECT_EQ(kept(more), (std::vector<bool>{true, true, false, true}));
  // A tiny p still keeps the most likely token.
  std::vector<float> tiny = logits_of({0.15f, 0.5f, 0.05f, 0.3f});
  apply_top_p(tiny, 0.01f);
  EXPECT_EQ(kept(tiny), (std::vector<bool>{false, true, false, false}));
}

TEST(Sampling, TemperatureDividesLogits) {
  std::vector<float> logits{2.0f, -4.0f};
  apply_temperature(logits, 0.5f);
  EXPECT_FLOAT_EQ(logits[0], 4.0f);
  EXPECT_FLOAT_EQ(logits[1], -8.0f);
}

TEST(Sampling, ZeroTemperatureIsGreedy) {
  Sampler sampler({0.0f, 1, 0.1f}, 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sampler.next(std::vector<float>{1.0f, 4.0f, 4.0f}), 1);
}

TEST(Sampling, SameSeedSameDrawsOtherSeedOtherDraws) {
  const std::vector<float> logits(50, 0.0f);  // uniform over 50 tokens
  auto draws = [&](uint64_t seed) {
    Sampler sampler({1.0f, 0, 1.0f}, seed);
    std::vector<int32_t> out;
    for (int i = 0; i < 20; ++i) out.push_back(sampler.next(logits));
    return out;
  };
  EXPECT_EQ(draws(42), draws(42));
  EXPECT_NE(draws(42), draws(43));
}

TEST(Sampling, DrawsFollowTheFilteredDistribution) {
  // top-k 2 over probabilities 0.6, 0.3, 0.1 leaves 2/3 and 1/3.
  const std::vector<float> logits = logits_of({0.1f, 0.6f, 0.3f});
  Sampler sampler({1.0f, 2, 1.0f}, 1);
  std::map<int32_t, int> counts;
  const int n = 30000;
  for (int i = 0; i < n; ++i) ++counts[sampler.next(logits)];
  EXPECT_EQ(counts[0], 0);
  EXPECT_NEAR(counts[1] / double(n), 2.0 / 3.0, 0.015);
  EXPECT_NEAR(counts[2] / double(n), 1.0 / 3.0, 0.015);
}

TEST(Sampling, LowTemperatureSharpensTowardsTheArgmax) {
  const std::vector<float> logits = logits_of({0.4f, 0.6f});
  Sampler sampler({0.05f, 0, 1.0f}, 3);  // 0.6^20 : 0.4^20, about 3300 : 1
  int top = 0;
  for (int i = 0; i < 1000; ++i) top += sampler.next(logits) == 1;
  EXPECT_GE(top, 995);
}

TEST(Sampling, OutOfRangeOptionsAreErrors) {
  EXPECT_THROW(validate_sampling({-1.0f, 0, 1.0f}), Error);
  EXPECT_THROW(validate_sampling({std::nanf(""), 0, 1.0f}), Error);
  EXPECT_THROW(validate_sampling({1.0f, -1, 1.0f}), Error);
  EXPECT_THROW(validate_sampling({1.0f, 0, 0.0f}), Error);
  EXPECT_THROW(validate_sampling({1.0f, 0, 1.5f}), Error);
  EXPECT_NO_THROW(validate_sampling({0.7f, 40, 0.9f}));
  try {
    validate_sampling({1.0f, 0, 2.0f});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("top_p"), std::string::npos);
  }
}

}  // namespace
}  // namespace qtx::runtime
