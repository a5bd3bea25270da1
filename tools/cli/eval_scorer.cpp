#include "tools/cli/eval_scorer.h"

#include <algorithm>

namespace qtx::cli {
namespace {

std::vector<std::vector<int32_t>> batch_inputs(std::span<const ScoredWindow> windows) {
  std::vector<std::vector<int32_t>> inputs;
  inputs.reserve(windows.size());
  for (const ScoredWindow& w : windows) inputs.push_back(w.input_ids);
  return inputs;
}

void score_window(const ScoredWindow& window, int64_t row, const ForwardResult& result,
                  NllAccumulator& nll) {
  for (size_t i = 0; i < window.positions.size(); ++i) {
    nll.add(token_nll(result.row(row, window.positions[i]), window.targets[i]));
  }
}

double window_error(const ScoredWindow& window, int64_t row, const ForwardResult& a,
                    const ForwardResult& b) {
  RelativeError error;
  for (int64_t position : window.positions) error.add(a.row(row, position), b.row(row, position));
  return error.value();
}

}  // namespace

EvalScore score_windows(const Session& session, const Session* compared,
                        std::span<const ScoredWindow> windows, size_t batch_size,
                        const EvalProgress& progress) {
  EvalScore score;
  for (size_t start = 0; start < windows.size(); start += batch_size) {
    const std::span<const ScoredWindow> batch =
        windows.subspan(start, std::min(batch_size, windows.size() - start));
    const std::vector<std::vector<int32_t>> inputs = batch_inputs(batch);
    const ForwardResult result = session.forward(inputs);
    for (size_t b = 0; b < batch.size(); ++b) {
      score_window(batch[b], static_cast<int64_t>(b), result, score.nll);
    }
    if (compared != nullptr) {
      const ForwardResult other = compared->forward(inputs);
      for (size_t b = 0; b < batch.size(); ++b) {
        const auto row = static_cast<int64_t>(b);
        score_window(batch[b], row, other, score.compared_nll);
        score.window_errors.push_back(window_error(batch[b], row, result, other));
      }
    }
    if (progress) progress(start + batch.size(), windows.size());
  }
  return score;
}

}  // namespace qtx::cli
