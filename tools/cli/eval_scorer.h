// Runs `qtx eval`'s windows through one model, or two on identical inputs (--compare), and
// accumulates the NLL of every scored position and the per-window logits error.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "qtx/qtx.h"
#include "tools/cli/perplexity.h"
#include "tools/cli/scored_window.h"

namespace qtx::cli {

struct EvalScore {
  NllAccumulator nll;           // the evaluated model
  NllAccumulator compared_nll;  // the compared model (empty without one)
  // Per window, ||a - b||_2 / ||a||_2 over the logits at the scored positions (a: evaluated,
  // b: compared); empty without a compared model.
  std::vector<double> window_errors;
};

// Called after each batch with the windows done so far and the total.
using EvalProgress = std::function<void(size_t done, size_t total)>;

// Windows go through Session::forward in batches of batch_size (>= 1). `compared` may be null.
EvalScore score_windows(const Session& session, const Session* compared,
                        std::span<const ScoredWindow> windows, size_t batch_size,
                        const EvalProgress& progress);

}  // namespace qtx::cli
