#include "tools/cli/decode_bench.h"

#include <chrono>
#include <string>

#include "qtx/error.h"

namespace qtx::cli {
namespace {

constexpr int64_t kStepsPerPrefill = 32;

}  // namespace

DecodeLoop::DecodeLoop(const Executor& executor, const DecodeBenchSpec& spec)
    : executor_(executor),
      spec_(spec),
      rng_(spec.seed),
      vocab_(executor.model().config().vocab_size),
      max_positions_(executor.model().config().max_positions) {
  if (spec.prompt < 1 || spec.prompt + 1 > max_positions_) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: a decode step after a prompt of " + std::to_string(spec.prompt) +
                    " tokens needs " + std::to_string(spec.prompt + 1) +
                    " positions; the model has " + std::to_string(max_positions_));
  }
}

double DecodeLoop::step() {
  if (cache_.length() == 0 || cache_.length() >= spec_.prompt + kStepsPerPrefill ||
      cache_.length() + 1 > max_positions_) {
    cache_.clear();
    run(spec_.prompt);
  }
  const auto start = std::chrono::steady_clock::now();
  run(1);
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count();
}

void DecodeLoop::run(int64_t new_tokens) {
  RunInputs inputs{Tensor(DType::I32, {1, new_tokens}),
                   Tensor(DType::I32, {1, cache_.length() + new_tokens})};
  int32_t* ids = inputs.input_ids.data<int32_t>();
  for (int64_t i = 0; i < new_tokens; ++i) {
    ids[i] = static_cast<int32_t>(rng_() % static_cast<uint64_t>(vocab_));
  }
  int32_t* mask = inputs.attention_mask.data<int32_t>();
  for (int64_t i = 0; i < inputs.attention_mask.numel(); ++i) mask[i] = 1;
  executor_.run(inputs, &cache_);
}

}  // namespace qtx::cli
