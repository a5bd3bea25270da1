#include "tools/cli/eval_scorer.h"

#include <algorithm>

#include "engine/cpu/common/parallel_for.h"

namespace qtx::cli {
namespace {

// One scored position of a batch: its window's row in the model output and its index there.
struct ScoredRow {
  int64_t batch_row = 0;
  int64_t position = 0;
  int32_t target = 0;
};

// A position costs tens of microseconds (a pass over a 50k vocabulary), so a few per thread
// already pay for waking it.
constexpr int64_t kMinRowsPerThread = 4;

std::vector<ScoredRow> scored_rows(std::span<const ScoredWindow> batch) {
  std::vector<ScoredRow> rows;
  for (size_t b = 0; b < batch.size(); ++b) {
    const ScoredWindow& window = batch[b];
    for (size_t i = 0; i < window.positions.size(); ++i) {
      rows.push_back({static_cast<int64_t>(b), window.positions[i], window.targets[i]});
    }
  }
  return rows;
}

// score(row) for every row, in parallel, each result in the row's own slot.
template <typename Score, typename ScoreRow>
std::vector<Score> score_rows(const std::vector<ScoredRow>& rows, int threads,
                              const ScoreRow& score) {
  std::vector<Score> scores(rows.size());
  cpu::parallel_for(static_cast<int64_t>(rows.size()), threads, kMinRowsPerThread,
                    [&](int64_t begin, int64_t end) {
                      for (int64_t k = begin; k < end; ++k) {
                        scores[static_cast<size_t>(k)] = score(rows[static_cast<size_t>(k)]);
                      }
                    });
  return scores;
}

std::vector<std::vector<int32_t>> batch_inputs(std::span<const ScoredWindow> windows) {
  std::vector<std::vector<int32_t>> inputs;
  inputs.reserve(windows.size());
  for (const ScoredWindow& w : windows) inputs.push_back(w.input_ids);
  return inputs;
}

void add_all(const std::vector<double>& nlls, NllAccumulator& nll) {
  for (double value : nlls) nll.add(value);
}

}  // namespace

std::vector<double> batch_nlls(std::span<const ScoredWindow> batch, const ForwardResult& logits,
                               int threads) {
  return score_rows<double>(scored_rows(batch), threads, [&](const ScoredRow& row) {
    return token_nll(logits.row(row.batch_row, row.position), row.target);
  });
}

std::vector<double> batch_errors(std::span<const ScoredWindow> batch, const ForwardResult& a,
                                 const ForwardResult& b, int threads) {
  const std::vector<SquaredNorms> norms =
      score_rows<SquaredNorms>(scored_rows(batch), threads, [&](const ScoredRow& row) {
        return squared_norms(a.row(row.batch_row, row.position),
                             b.row(row.batch_row, row.position));
      });
  std::vector<double> errors;
  auto next = norms.begin();
  for (const ScoredWindow& window : batch) {
    RelativeError error;
    for (size_t i = 0; i < window.positions.size(); ++i) error.add(*next++);
    errors.push_back(error.value());
  }
  return errors;
}

EvalScore score_windows(const Session& session, const Session* compared,
                        std::span<const ScoredWindow> windows, size_t batch_size, int threads,
                        const EvalProgress& progress) {
  EvalScore score;
  for (size_t start = 0; start < windows.size(); start += batch_size) {
    const std::span<const ScoredWindow> batch =
        windows.subspan(start, std::min(batch_size, windows.size() - start));
    const std::vector<std::vector<int32_t>> inputs = batch_inputs(batch);
    const ForwardResult result = session.forward(inputs);
    add_all(batch_nlls(batch, result, threads), score.nll);
    if (compared != nullptr) {
      const ForwardResult other = compared->forward(inputs);
      add_all(batch_nlls(batch, other, threads), score.compared_nll);
      const std::vector<double> errors = batch_errors(batch, result, other, threads);
      score.window_errors.insert(score.window_errors.end(), errors.begin(), errors.end());
    }
    if (progress) progress(start + batch.size(), windows.size());
  }
  return score;
}

}  // namespace qtx::cli
