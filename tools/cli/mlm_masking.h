// Masked-LM evaluation windows: the token stream cut into non-overlapping windows of
// window - 2 tokens framed [CLS] .. [SEP], with BERT's corruption of a fixed share of the
// tokens. The choice depends only on the seed and the stream (never on the model, the batch
// size or the thread count), so two models with one tokenizer are scored on identical masks.
//
// Per window, with one std::mt19937_64 seeded once and drawn from window after window:
//   eligible  = content positions whose token is not [CLS], [SEP], [MASK] or [PAD];
//   k         = llround(mask_prob * |eligible|) positions, by a partial Fisher-Yates shuffle
//               (index i swaps with i + rng() % (|eligible| - i));
//   then per chosen position in ascending order, r = rng() % 10: r < 8 -> [MASK],
//   r == 8 -> rng() % random_vocab (a random token), r == 9 -> unchanged.
// rng() % n is used instead of std::uniform_int_distribution, whose output is
// implementation-defined, so the masks can be reproduced outside C++.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/text/tokenizer.h"
#include "tools/cli/scored_window.h"

namespace qtx::cli {

struct MaskingSpec {
  int64_t window = 128;  // framed length, >= 3
  double mask_prob = 0.15;
  uint64_t seed = 0;
  text::SpecialIds special;  // cls, sep and mask are required
  int64_t random_vocab = 0;  // random replacements come from [0, random_vocab)
};

// Throws qtx::Error(kInvalidArgument) for a window under 3, a mask_prob outside [0, 1], a
// tokenizer without [CLS], [SEP] or [MASK], or an empty random vocabulary.
std::vector<ScoredWindow> make_masked_windows(std::span<const int32_t> stream,
                                              const MaskingSpec& spec);

}  // namespace qtx::cli
