#include "tools/cli/causal_windows.h"

#include <algorithm>
#include <string>

#include "qtx/error.h"

namespace qtx::cli {

std::vector<ScoredWindow> make_causal_windows(std::span<const int32_t> stream, int64_t window,
                                              int32_t bos) {
  if (window < 2) {
    throw Error(ErrorCode::kInvalidArgument,
                "eval: a causal window needs at least 2 tokens (BOS and one to predict), got " +
                    std::to_string(window));
  }
  if (bos < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "eval: causal perplexity needs a BOS token, and the tokenizer has none");
  }
  const auto content_length = static_cast<size_t>(window - 1);
  std::vector<ScoredWindow> windows;
  for (size_t start = 0; start < stream.size(); start += content_length) {
    const size_t length = std::min(content_length, stream.size() - start);
    const std::span<const int32_t> content = stream.subspan(start, length);
    ScoredWindow w;
    w.input_ids.push_back(bos);
    w.input_ids.insert(w.input_ids.end(), content.begin(), content.end());
    // The logits at position i predict input i + 1.
    for (size_t i = 0; i < length; ++i) w.positions.push_back(static_cast<int64_t>(i));
    w.targets.assign(content.begin(), content.end());
    windows.push_back(std::move(w));
  }
  return windows;
}

}  // namespace qtx::cli
