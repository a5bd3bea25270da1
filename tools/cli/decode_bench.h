// The per-token latency of a decoder's generation step: one new token through the Executor
// with a KV cache holding a prompt of `prompt` tokens. Built on engine/runtime directly, as
// Session::generate does, so the time is the step's alone (no sampling, no text).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/executor.h"

namespace qtx::cli {

struct DecodeBenchSpec {
  int64_t prompt = 128;  // tokens in the cache before the timed steps, >= 1
  int warmup = 3;        // untimed steps first
  int iterations = 20;   // timed steps
  uint64_t seed = 0;     // of the random token ids
};

// Milliseconds per timed step. The cache is re-filled with a fresh prompt every 32 steps (and
// before it would pass the model's max_positions), so every step sees a context of about
// `prompt` tokens. Throws qtx::Error(kInvalidArgument) when prompt + 1 exceeds max_positions.
std::vector<double> time_decode_steps(const Executor& executor, const DecodeBenchSpec& spec);

}  // namespace qtx::cli
