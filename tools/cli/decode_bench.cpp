#include "tools/cli/decode_bench.h"

#include <chrono>
#include <random>

#include "qtx/error.h"

namespace qtx::cli {
namespace {

constexpr int64_t kStepsPerPrefill = 32;

class DecodeLoop {
 public:
  DecodeLoop(const Executor& executor, const DecodeBenchSpec& spec)
      : executor_(executor),
        spec_(spec),
        rng_(spec.seed),
        vocab_(executor.model().config().vocab_size),
        max_positions_(executor.model().config().max_positions) {}

  // One generation step, refilling the cache first when it has grown long; returns the step's
  // milliseconds (the refill is not timed).
  double step() {
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

 private:
  void run(int64_t new_tokens) {
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

  const Executor& executor_;
  DecodeBenchSpec spec_;
  std::mt19937_64 rng_;
  int64_t vocab_;
  int64_t max_positions_;
  KvCache cache_;
};

}  // namespace

std::vector<double> time_decode_steps(const Executor& executor, const DecodeBenchSpec& spec) {
  const int64_t max_positions = executor.model().config().max_positions;
  if (spec.prompt < 1 || spec.prompt + 1 > max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: a decode step after a prompt of " + std::to_string(spec.prompt) +
                    " tokens needs " + std::to_string(spec.prompt + 1) +
                    " positions; the model has " + std::to_string(max_positions));
  }
  DecodeLoop loop(executor, spec);
  for (int i = 0; i < spec.warmup; ++i) loop.step();
  std::vector<double> samples;
  for (int i = 0; i < spec.iterations; ++i) samples.push_back(loop.step());
  return samples;
}

}  // namespace qtx::cli
