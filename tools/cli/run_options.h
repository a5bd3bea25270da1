// The options of `qtx run` and the per-head tasks it dispatches to (run_tasks.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qtx/qtx.h"

namespace qtx::cli {

struct RunOptions {
  std::string model_path;
  std::string text;
  bool text_given = false;
  std::string file;
  int batch_size = 8;
  int top_k = 0;  // 0: not given (fill-mask shows 5, generation does not filter)
  int max_new_tokens = 20;
  float temperature = 0.0f;
  float top_p = 1.0f;
  uint64_t seed = 0;
  std::string pooling;     // "": the model's default
  int normalize = -1;      // -1: the model's default; 0: --no-normalize; 1: --normalize
  int64_t max_length = 0;  // 0: the model's default
  bool truncate = false;
  bool json = false;
  std::string dump_logits;
  std::string dump_intermediates;
  std::string backend = "cpu";
  int threads = 0;
};

// The length limit the options ask for; embeddings cut long inputs unless told otherwise.
InputLimit input_limit(const RunOptions& options, bool truncate_by_default);

// Each task runs `inputs` in batches of options.batch_size, prints the results as they come
// (text, or one JSON object per input line with --json) and returns the token ids it ran the
// model on, for --dump-logits.
using Sequences = std::vector<std::vector<int32_t>>;
Sequences run_fill_mask(const Session& session, const std::vector<std::string>& inputs,
                        const RunOptions& options);
Sequences run_generation(const Session& session, const std::vector<std::string>& inputs,
                         const RunOptions& options);
Sequences run_embedding(const Session& session, const std::vector<std::string>& inputs,
                        const RunOptions& options);
Sequences run_classification(const Session& session, const std::vector<std::string>& inputs,
                             const RunOptions& options);

}  // namespace qtx::cli
