// Validation of what a caller passes to Executor::run, before any node runs: the errors a
// user can cause get one clear kInvalidArgument message each.
#pragma once

#include <cstdint>

#include "engine/runtime/executor.h"

namespace qtx::runtime {

// input_ids I32 [B, S] with B, S >= 1 and every id in [0, vocab); attention_mask I32
// [B, past + S] holding only 0 and 1; past + S <= max_positions (when positive).
void check_run_inputs(const RunInputs& inputs, int64_t past, int64_t vocab, int64_t max_positions);

}  // namespace qtx::runtime
