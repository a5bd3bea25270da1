#include "engine/runtime/session_batch.h"

#include <algorithm>
#include <string>

#include "qtx/error.h"

namespace qtx::runtime {
namespace {

void check_sequence(const std::vector<int32_t>& ids, size_t index, const BatchLimits& limits) {
  const std::string which = "input " + std::to_string(index + 1);
  if (ids.empty()) throw Error(ErrorCode::kInvalidArgument, which + " has no tokens");
  if (static_cast<int64_t>(ids.size()) > limits.max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                which + " has " + std::to_string(ids.size()) +
                    " tokens, longer than the model's maximum length of " +
                    std::to_string(limits.max_positions));
  }
  for (int32_t id : ids) {
    if (id < 0 || id >= limits.vocab_size) {
      throw Error(ErrorCode::kInvalidArgument, which + " has token id " + std::to_string(id) +
                                                   " outside the vocabulary of " +
                                                   std::to_string(limits.vocab_size));
    }
  }
}

}  // namespace

int64_t PaddedBatch::column(size_t b, int64_t i) const {
  return side == PadSide::kRight ? i : max_length - lengths[b] + i;
}

BatchLimits batch_limits(const fb::ModelT& desc) {
  const fb::TokenizerT& tokenizer = *desc.tokenizer;
  BatchLimits limits;
  limits.vocab_size = desc.config->vocab_size;
  limits.max_positions = desc.config->max_positions;
  limits.pad_id =
      tokenizer.pad_id >= 0 ? tokenizer.pad_id : (tokenizer.eos_id >= 0 ? tokenizer.eos_id : 0);
  return limits;
}

PadSide pad_side(fb::Family family) {
  return family == fb::Family::Opt ? PadSide::kLeft : PadSide::kRight;
}

PaddedBatch pad_batch(const std::vector<std::vector<int32_t>>& sequences, const BatchLimits& limits,
                      PadSide side) {
  if (sequences.empty()) throw Error(ErrorCode::kInvalidArgument, "empty batch: no inputs");
  PaddedBatch batch;
  batch.side = side;
  for (size_t b = 0; b < sequences.size(); ++b) {
    check_sequence(sequences[b], b, limits);
    batch.lengths.push_back(static_cast<int64_t>(sequences[b].size()));
    batch.max_length = std::max(batch.max_length, batch.lengths.back());
  }
  const auto rows = static_cast<int64_t>(sequences.size());
  batch.input_ids = Tensor(DType::I32, {rows, batch.max_length});
  batch.attention_mask = Tensor(DType::I32, {rows, batch.max_length});
  int32_t* ids = batch.input_ids.data<int32_t>();
  int32_t* mask = batch.attention_mask.data<int32_t>();
  std::fill(ids, ids + rows * batch.max_length, limits.pad_id);
  for (size_t b = 0; b < sequences.size(); ++b) {
    const int64_t row = static_cast<int64_t>(b) * batch.max_length;
    for (int64_t i = 0; i < batch.lengths[b]; ++i) {
      ids[row + batch.column(b, i)] = sequences[b][static_cast<size_t>(i)];
      mask[row + batch.column(b, i)] = 1;
    }
  }
  return batch;
}

}  // namespace qtx::runtime
