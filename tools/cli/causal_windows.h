// Causal-LM evaluation windows: the token stream cut into non-overlapping windows of
// window - 1 tokens, each preceded by BOS (as OPT's inputs always are). Every token of the
// stream is predicted exactly once, from the BOS and the tokens before it in its window.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tools/cli/scored_window.h"

namespace qtx::cli {

// Throws qtx::Error(kInvalidArgument) for a window under 2 or a negative bos.
std::vector<ScoredWindow> make_causal_windows(std::span<const int32_t> stream, int64_t window,
                                              int32_t bos);

}  // namespace qtx::cli
