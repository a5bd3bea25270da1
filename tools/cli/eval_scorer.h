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

// Windows go through Session::forward in batches of batch_size (>= 1); their positions are
// scored on `threads` threads (<= 0: one per core). `compared` may be null. The scores do not
// depend on `threads`: see batch_nlls.
EvalScore score_windows(const Session& session, const Session* compared,
                        std::span<const ScoredWindow> windows, size_t batch_size, int threads,
                        const EvalProgress& progress);

// The NLL of every scored position of `batch`, whose window b is row b of `logits`: window by
// window, position by position. Each is computed alone on one of `threads` threads, into its
// own slot, so the values, and any sum of them taken in order, are the same for every
// thread count.
std::vector<double> batch_nlls(std::span<const ScoredWindow> batch, const ForwardResult& logits,
                               int threads);

// Per window of `batch`, ||a - b||_2 / ||a||_2 over its scored positions; the positions'
// squared norms are computed as in batch_nlls and summed in position order.
std::vector<double> batch_errors(std::span<const ScoredWindow> batch, const ForwardResult& a,
                                 const ForwardResult& b, int threads);

}  // namespace qtx::cli
