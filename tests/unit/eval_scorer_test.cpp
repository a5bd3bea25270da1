// `qtx eval`'s parallel scoring (tools/cli/eval_scorer.h) on random logits: the same doubles
// whatever the thread count, and each the score of the position it stands for.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "tools/cli/eval_scorer.h"

namespace qtx::cli {
namespace {

constexpr int64_t kWidth = 1031;  // not a multiple of the 8 lanes
constexpr int64_t kMaxLength = 40;

// Left-padded logits (as a decoder's) of windows of these lengths, random normal values.
ForwardResult random_logits(const std::vector<int64_t>& lengths, uint32_t seed) {
  auto values = std::make_shared<std::vector<float>>(
      static_cast<size_t>(static_cast<int64_t>(lengths.size()) * kMaxLength * kWidth));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (float& v : *values) v = normal(rng);
  ForwardResult result;
  result.values = *values;
  result.storage = values;
  result.batch = static_cast<int64_t>(lengths.size());
  result.max_length = kMaxLength;
  result.width = kWidth;
  result.lengths = lengths;
  result.left_padded = true;
  return result;
}

// A window of `length` tokens scoring a random half of its positions.
ScoredWindow random_window(int64_t length, std::mt19937& rng) {
  ScoredWindow window;
  window.input_ids.assign(static_cast<size_t>(length), 0);
  std::uniform_int_distribution<int32_t> token(0, kWidth - 1);
  for (int64_t p = 0; p < length; ++p) {
    if (rng() % 2 == 0) continue;
    window.positions.push_back(p);
    window.targets.push_back(token(rng));
  }
  return window;
}

struct Batch {
  std::vector<ScoredWindow> windows;
  ForwardResult a;
  ForwardResult b;
};

Batch random_batch() {
  const std::vector<int64_t> lengths{40, 33, 17, 40};
  Batch batch;
  std::mt19937 rng(5);
  for (int64_t length : lengths) batch.windows.push_back(random_window(length, rng));
  batch.a = random_logits(lengths, 1);
  batch.b = random_logits(lengths, 2);
  return batch;
}

// Row `position` of window `b`, found in the padded buffer without ForwardResult::row.
std::span<const float> logits_at(const ForwardResult& r, int64_t b, int64_t position) {
  const int64_t column = r.max_length - r.lengths[static_cast<size_t>(b)] + position;
  return r.values.subspan(static_cast<size_t>((b * r.max_length + column) * r.width),
                          static_cast<size_t>(r.width));
}

TEST(EvalScorer, ScoresAreIdenticalForEveryThreadCount) {
  const Batch batch = random_batch();
  const std::vector<double> one = batch_nlls(batch.windows, batch.a, 1);
  const std::vector<double> three = batch_nlls(batch.windows, batch.a, 3);
  ASSERT_GT(one.size(), 3u * 4u);  // enough positions for three threads (4 per thread)
  EXPECT_EQ(one, three);
  NllAccumulator sum_one;
  NllAccumulator sum_three;
  for (double nll : one) sum_one.add(nll);
  for (double nll : three) sum_three.add(nll);
  EXPECT_EQ(sum_one.perplexity(), sum_three.perplexity());
  EXPECT_EQ(batch_errors(batch.windows, batch.a, batch.b, 1),
            batch_errors(batch.windows, batch.a, batch.b, 3));
}

TEST(EvalScorer, NllsAreThoseOfEachScoredPositionInOrder) {
  const Batch batch = random_batch();
  const std::vector<double> nlls = batch_nlls(batch.windows, batch.a, 3);
  size_t k = 0;
  for (size_t b = 0; b < batch.windows.size(); ++b) {
    const ScoredWindow& window = batch.windows[b];
    for (size_t i = 0; i < window.positions.size(); ++i, ++k) {
      ASSERT_LT(k, nlls.size());
      const std::span<const float> row =
          logits_at(batch.a, static_cast<int64_t>(b), window.positions[i]);
      EXPECT_EQ(nlls[k], token_nll(row, window.targets[i])) << "window " << b << " item " << i;
    }
  }
  EXPECT_EQ(k, nlls.size());
}

// Against ||a - b|| / ||a|| summed in plain double over each window's scored rows.
TEST(EvalScorer, ErrorsAreThoseOfEachWindow) {
  const Batch batch = random_batch();
  const std::vector<double> errors = batch_errors(batch.windows, batch.a, batch.b, 3);
  ASSERT_EQ(errors.size(), batch.windows.size());
  for (size_t b = 0; b < batch.windows.size(); ++b) {
    double difference = 0.0;
    double reference = 0.0;
    for (int64_t position : batch.windows[b].positions) {
      const std::span<const float> x = logits_at(batch.a, static_cast<int64_t>(b), position);
      const std::span<const float> y = logits_at(batch.b, static_cast<int64_t>(b), position);
      for (size_t v = 0; v < x.size(); ++v) {
        const double d = static_cast<double>(x[v]) - y[v];
        difference += d * d;
        reference += static_cast<double>(x[v]) * x[v];
      }
    }
    EXPECT_NEAR(errors[b], std::sqrt(difference / reference), 1e-12) << "window " << b;
  }
}

}  // namespace
}  // namespace qtx::cli
