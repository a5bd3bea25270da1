// The windows `qtx eval` scores: masked-LM masks (deterministic, 15% of eligible tokens,
// 80/10/10 corruption) and causal windows (cover the stream once, without overlap).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "qtx/error.h"
// The CLI's helpers are not in a library the tests link, so the ones under test are compiled in.
#include "tools/cli/causal_windows.h"
#include "tools/cli/mlm_masking.h"

namespace qtx::cli {
namespace {

constexpr int32_t kPad = 0, kCls = 101, kSep = 102, kMask = 103, kVocab = 30522;

MaskingSpec bert_spec(uint64_t seed = 0) {
  MaskingSpec spec;
  spec.window = 128;
  spec.seed = seed;
  spec.special.pad = kPad;
  spec.special.cls = kCls;
  spec.special.sep = kSep;
  spec.special.mask = kMask;
  spec.random_vocab = kVocab;
  return spec;
}

// Ordinary tokens only (ids 1000 and above).
std::vector<int32_t> token_stream(size_t n, uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> ids(n);
  for (int32_t& id : ids) id = 1000 + static_cast<int32_t>(rng() % 29000);
  return ids;
}

bool same_windows(const std::vector<ScoredWindow>& a, const std::vector<ScoredWindow>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].input_ids != b[i].input_ids || a[i].positions != b[i].positions ||
        a[i].targets != b[i].targets) {
      return false;
    }
  }
  return true;
}

TEST(MlmMasking, DependsOnlyOnTheSeedAndTheStream) {
  const std::vector<int32_t> stream = token_stream(5000);
  EXPECT_TRUE(same_windows(make_masked_windows(stream, bert_spec(3)),
                           make_masked_windows(stream, bert_spec(3))));
  EXPECT_FALSE(same_windows(make_masked_windows(stream, bert_spec(3)),
                            make_masked_windows(stream, bert_spec(4))));
}

TEST(MlmMasking, FramesWindowsAndScoresRoundedFifteenPercentOfEligibleTokens) {
  const std::vector<int32_t> stream = token_stream(126 * 10 + 40);
  const std::vector<ScoredWindow> windows = make_masked_windows(stream, bert_spec());
  ASSERT_EQ(windows.size(), 11u);
  size_t offset = 0;
  for (const ScoredWindow& w : windows) {
    const size_t content = w.input_ids.size() - 2;
    EXPECT_EQ(w.input_ids.front(), kCls);
    EXPECT_EQ(w.input_ids.back(), kSep);
    // 126 tokens: llround(18.9) = 19; the last 40: llround(6.0) = 6.
    EXPECT_EQ(w.positions.size(), static_cast<size_t>(std::llround(0.15 * double(content))));
    EXPECT_TRUE(std::is_sorted(w.positions.begin(), w.positions.end()));
    for (size_t i = 0; i < w.positions.size(); ++i) {
      const auto p = static_cast<size_t>(w.positions[i]);
      ASSERT_GE(p, 1u);
      ASSERT_LE(p, content);
      EXPECT_EQ(w.targets[i], stream[offset + p - 1]);
    }
    // Positions not chosen keep their token.
    for (size_t p = 1; p <= content; ++p) {
      if (!std::binary_search(w.positions.begin(), w.positions.end(), int64_t(p))) {
        EXPECT_EQ(w.input_ids[p], stream[offset + p - 1]);
      }
    }
    offset += content;
  }
  EXPECT_EQ(offset, stream.size());
}

TEST(MlmMasking, NeverScoresSpecialTokensInTheText) {
  std::vector<int32_t> stream = token_stream(126);
  for (size_t i = 0; i < stream.size(); i += 2) stream[i] = i % 4 == 0 ? kSep : kPad;
  const std::vector<ScoredWindow> windows = make_masked_windows(stream, bert_spec());
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].positions.size(), static_cast<size_t>(std::llround(0.15 * 63)));
  for (int32_t target : windows[0].targets) EXPECT_GE(target, 1000);
}

TEST(MlmMasking, CorruptsEightyTenTen) {
  const std::vector<int32_t> stream = token_stream(400000);
  size_t masked = 0, kept = 0, random = 0, selected = 0;
  for (const ScoredWindow& w : make_masked_windows(stream, bert_spec(11))) {
    for (size_t i = 0; i < w.positions.size(); ++i) {
      const int32_t input = w.input_ids[static_cast<size_t>(w.positions[i])];
      ++selected;
      if (input == kMask) {
        ++masked;
      } else if (input == w.targets[i]) {
        ++kept;
      } else {
        ++random;
        EXPECT_LT(input, kVocab);
      }
    }
  }
  ASSERT_GT(selected, 55000u);
  const auto share = [&](size_t n) { return double(n) / double(selected); };
  EXPECT_NEAR(share(masked), 0.8, 0.01);
  EXPECT_NEAR(share(random), 0.1, 0.01);
  EXPECT_NEAR(share(kept), 0.1, 0.01);
}

TEST(MlmMasking, RejectsBadSpecs) {
  const std::vector<int32_t> stream = token_stream(10);
  MaskingSpec short_window = bert_spec();
  short_window.window = 2;
  EXPECT_THROW(make_masked_windows(stream, short_window), Error);
  MaskingSpec no_mask = bert_spec();
  no_mask.special.mask = -1;
  EXPECT_THROW(make_masked_windows(stream, no_mask), Error);
  MaskingSpec bad_prob = bert_spec();
  bad_prob.mask_prob = 1.5;
  EXPECT_THROW(make_masked_windows(stream, bad_prob), Error);
}

TEST(CausalWindows, CoverTheStreamOnceWithoutOverlap) {
  constexpr int32_t kBos = 50256;
  const std::vector<int32_t> stream = token_stream(1000);
  const std::vector<ScoredWindow> windows = make_causal_windows(stream, 256, kBos);
  ASSERT_EQ(windows.size(), 4u);  // 255 + 255 + 255 + 235
  std::vector<int32_t> joined;
  for (const ScoredWindow& w : windows) {
    ASSERT_LE(w.input_ids.size(), 256u);
    EXPECT_EQ(w.input_ids.front(), kBos);
    const std::vector<int32_t> content(w.input_ids.begin() + 1, w.input_ids.end());
    EXPECT_EQ(w.targets, content);  // every content token is predicted exactly once
    std::vector<int64_t> expected(content.size());
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(w.positions, expected);  // from the position before it
    joined.insert(joined.end(), content.begin(), content.end());
  }
  EXPECT_EQ(joined, stream);
}

TEST(CausalWindows, RejectsBadWindowsAndMissingBos) {
  const std::vector<int32_t> stream = token_stream(10);
  EXPECT_THROW(make_causal_windows(stream, 1, 0), Error);
  EXPECT_THROW(make_causal_windows(stream, 16, -1), Error);
}

}  // namespace
}  // namespace qtx::cli
