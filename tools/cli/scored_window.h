// One model input of `qtx eval` and the positions scored on it: the logits at positions[i]
// must predict targets[i]. Masked and causal perplexity differ only in how windows are made.
#pragma once

#include <cstdint>
#include <vector>

namespace qtx::cli {

struct ScoredWindow {
  std::vector<int32_t> input_ids;  // framing included ([CLS] .. [SEP], or BOS ..)
  std::vector<int64_t> positions;  // indices into input_ids, ascending
  std::vector<int32_t> targets;    // the original token at (MLM) or after (causal) each one
};

}  // namespace qtx::cli
