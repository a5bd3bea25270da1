// Autoregressive generation for causal-LM graphs: one Executor run over the left-padded
// prompts fills the KV cache, then one run per new token. Rows that reach EOS stop (they keep
// feeding a pad token so the batch stays rectangular, and their output ends at the EOS).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/runtime/executor.h"
#include "engine/runtime/sampling.h"
#include "engine/runtime/session_batch.h"

namespace qtx::runtime {

struct GenerationRequest {
  std::vector<std::vector<int32_t>> prompts;  // model input ids, BOS included
  int max_new_tokens = 20;
  SamplingParams sampling;
  uint64_t seed = 0;
  bool stop_at_eos = true;
  int32_t eos_id = -1;  // -1: the model has no EOS, rows run to max_new_tokens
};

struct GeneratedRow {
  std::vector<int32_t> ids;
  bool stopped_at_eos = false;
};

// Throws qtx::Error(kInvalidArgument) for bad options or a prompt that leaves no room under
// the model's max_positions; generation stops early when prompt + new tokens reach it.
std::vector<GeneratedRow> generate(const Executor& executor, const BatchLimits& limits,
                                   const GenerationRequest& request);

}  // namespace qtx::runtime
