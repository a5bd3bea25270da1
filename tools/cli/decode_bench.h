// The per-token latency of a decoder's generation step: one new token through the Executor
// with a KV cache holding a prompt of `prompt` tokens. Built on engine/runtime directly, as
// Session::generate does, so the time is the step's alone (no sampling, no text).
#pragma once

#include <cstdint>
#include <random>

#include "engine/runtime/executor.h"

namespace qtx::cli {

struct DecodeBenchSpec {
  int64_t prompt = 128;  // tokens in the cache before each timed step, >= 1
  uint64_t seed = 0;     // of the random token ids
};

// Generation steps of one model, one at a time, so steps of two models can be interleaved.
// The cache is re-filled with a fresh prompt every 32 steps (and before it would pass the
// model's max_positions), so every step sees a context of about `prompt` tokens.
class DecodeLoop {
 public:
  // Throws qtx::Error(kInvalidArgument) when prompt + 1 exceeds the model's max_positions.
  DecodeLoop(const Executor& executor, const DecodeBenchSpec& spec);

  // One step, refilling the cache first when it has grown long; returns the step's
  // milliseconds (the refill is not timed).
  double step();

 private:
  void run(int64_t new_tokens);

  const Executor& executor_;
  DecodeBenchSpec spec_;
  std::mt19937_64 rng_;
  int64_t vocab_;
  int64_t max_positions_;
  KvCache cache_;
};

}  // namespace qtx::cli
