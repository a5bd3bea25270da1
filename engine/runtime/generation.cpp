#include "engine/runtime/generation.h"

#include <algorithm>
#include <string>

#include "qtx/error.h"

namespace qtx::runtime {
namespace {

// How many tokens may be generated: max_new_tokens, cut to what max_positions leaves.
int64_t new_token_budget(const GenerationRequest& request, const PaddedBatch& batch,
                         const BatchLimits& limits) {
  if (request.max_new_tokens < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "max_new_tokens must be >= 0, got " + std::to_string(request.max_new_tokens));
  }
  const int64_t room = limits.max_positions - batch.max_length;
  if (room <= 0 && request.max_new_tokens > 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "the prompt has " + std::to_string(batch.max_length) +
                    " tokens and leaves no room to generate under the model's maximum length "
                    "of " +
                    std::to_string(limits.max_positions));
  }
  return std::min<int64_t>(request.max_new_tokens, room);
}

// The logits [B, S, V] of a run, checked, as a pointer to row b's last position.
const float* last_position_logits(const Tensor& logits, int64_t b) {
  return logits.data<float>() + ((b * logits.dim(1)) + logits.dim(1) - 1) * logits.dim(2);
}

void check_logits(const std::vector<Tensor>& outputs, int64_t rows, int64_t vocab) {
  if (outputs.empty() || outputs[0].rank() != 3 || outputs[0].dim(0) != rows ||
      outputs[0].dim(2) != vocab || outputs[0].dtype() != DType::F32) {
    throw Error(ErrorCode::kInternal,
                "generation: the graph's first output is not float logits [batch, seq, vocab]");
  }
}

// The mask for the next step: the previous one with a column of ones appended.
Tensor extend_mask(const Tensor& mask) {
  const int64_t rows = mask.dim(0), cols = mask.dim(1);
  Tensor next(DType::I32, {rows, cols + 1});
  const int32_t* src = mask.data<int32_t>();
  int32_t* dst = next.data<int32_t>();
  for (int64_t b = 0; b < rows; ++b) {
    std::copy(src + b * cols, src + (b + 1) * cols, dst + b * (cols + 1));
    dst[b * (cols + 1) + cols] = 1;
  }
  return next;
}

}  // namespace

std::vector<GeneratedRow> generate(const Executor& executor, const BatchLimits& limits,
                                   const GenerationRequest& request) {
  Sampler sampler(request.sampling, request.seed);
  const PaddedBatch batch = pad_batch(request.prompts, limits, PadSide::kLeft);
  const int64_t budget = new_token_budget(request, batch, limits);
  const auto rows = static_cast<int64_t>(request.prompts.size());
  std::vector<GeneratedRow> out(request.prompts.size());
  if (budget == 0) return out;

  KvCache cache;
  RunInputs inputs{batch.input_ids, batch.attention_mask};
  for (int64_t step = 0; step < budget; ++step) {
    const std::vector<Tensor> outputs = executor.run(inputs, &cache);
    check_logits(outputs, rows, limits.vocab_size);
    Tensor next_ids(DType::I32, {rows, 1});
    bool all_done = true;
    for (int64_t b = 0; b < rows; ++b) {
      GeneratedRow& row = out[static_cast<size_t>(b)];
      int32_t token = limits.pad_id;
      if (!row.stopped_at_eos) {
        const float* logits = last_position_logits(outputs[0], b);
        token = sampler.next({logits, static_cast<size_t>(limits.vocab_size)});
        row.ids.push_back(token);
        row.stopped_at_eos = request.stop_at_eos && token == request.eos_id;
      }
      all_done = all_done && row.stopped_at_eos;
      next_ids.data<int32_t>()[b] = token;
    }
    if (all_done) break;
    inputs = RunInputs{std::move(next_ids), extend_mask(inputs.attention_mask)};
  }
  return out;
}

}  // namespace qtx::runtime
