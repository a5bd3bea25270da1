#include "tools/cli/mlm_masking.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "qtx/error.h"

namespace qtx::cli {
namespace {

constexpr uint64_t kReplacementDraws = 10;  // 8 of 10 -> [MASK], 1 -> random, 1 -> unchanged
constexpr uint64_t kMaskDraws = 8;
constexpr uint64_t kRandomDraw = 8;

void check_spec(const MaskingSpec& spec) {
  if (spec.window < 3) {
    throw Error(ErrorCode::kInvalidArgument,
                "eval: a masked-LM window needs at least 3 tokens ([CLS] x [SEP]), got " +
                    std::to_string(spec.window));
  }
  if (!(spec.mask_prob >= 0.0 && spec.mask_prob <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "eval: the mask probability must lie in [0, 1], got " +
                                                 std::to_string(spec.mask_prob));
  }
  const text::SpecialIds& s = spec.special;
  if (s.cls < 0 || s.sep < 0 || s.mask < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "eval: masked-LM perplexity needs [CLS], [SEP] and [MASK] in the vocabulary");
  }
  if (spec.random_vocab <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "eval: the vocabulary for random tokens is empty");
  }
}

bool is_special(int32_t id, const text::SpecialIds& s) {
  return id == s.cls || id == s.sep || id == s.mask || (s.pad >= 0 && id == s.pad);
}

uint64_t draw_below(std::mt19937_64& rng, uint64_t bound) {
  return rng() % bound;
}

// Picks llround(mask_prob * eligible.size()) entries of `eligible`, returned ascending.
std::vector<int64_t> choose_positions(std::vector<int64_t> eligible, double mask_prob,
                                      std::mt19937_64& rng) {
  const auto count =
      static_cast<size_t>(std::llround(mask_prob * static_cast<double>(eligible.size())));
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + static_cast<size_t>(draw_below(rng, eligible.size() - i));
    std::swap(eligible[i], eligible[j]);
  }
  eligible.resize(count);
  std::sort(eligible.begin(), eligible.end());
  return eligible;
}

ScoredWindow mask_window(std::span<const int32_t> content, const MaskingSpec& spec,
                         std::mt19937_64& rng) {
  ScoredWindow window;
  window.input_ids.reserve(content.size() + 2);
  window.input_ids.push_back(spec.special.cls);
  window.input_ids.insert(window.input_ids.end(), content.begin(), content.end());
  window.input_ids.push_back(spec.special.sep);

  std::vector<int64_t> eligible;
  for (size_t i = 0; i < content.size(); ++i) {
    if (!is_special(content[i], spec.special)) eligible.push_back(static_cast<int64_t>(i) + 1);
  }
  window.positions = choose_positions(std::move(eligible), spec.mask_prob, rng);
  for (int64_t position : window.positions) {
    int32_t& id = window.input_ids[static_cast<size_t>(position)];
    window.targets.push_back(id);
    const uint64_t r = draw_below(rng, kReplacementDraws);
    if (r < kMaskDraws) {
      id = spec.special.mask;
    } else if (r == kRandomDraw) {
      id = static_cast<int32_t>(draw_below(rng, static_cast<uint64_t>(spec.random_vocab)));
    }
  }
  return window;
}

}  // namespace

std::vector<ScoredWindow> make_masked_windows(std::span<const int32_t> stream,
                                              const MaskingSpec& spec) {
  check_spec(spec);
  std::mt19937_64 rng(spec.seed);
  const auto content_length = static_cast<size_t>(spec.window - 2);
  std::vector<ScoredWindow> windows;
  for (size_t start = 0; start < stream.size(); start += content_length) {
    const size_t length = std::min(content_length, stream.size() - start);
    windows.push_back(mask_window(stream.subspan(start, length), spec, rng));
  }
  return windows;
}

}  // namespace qtx::cli
