// Turning token-id sequences of different lengths into the executor's padded inputs, and
// checking them first: encoders pad on the right, decoders on the left (so every row's last
// token sits in the last column, where generation reads its logits).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/tensor.h"
#include "qtx_generated.h"

namespace qtx::runtime {

enum class PadSide { kRight, kLeft };

struct PaddedBatch {
  Tensor input_ids;       // I32 [B, S_max]
  Tensor attention_mask;  // I32 [B, S_max]
  std::vector<int64_t> lengths;
  int64_t max_length = 0;
  PadSide side = PadSide::kRight;

  // The column of sequence b's i-th real token.
  int64_t column(size_t b, int64_t i) const;
};

struct BatchLimits {
  int64_t vocab_size = 0;
  int64_t max_positions = 0;
  int32_t pad_id = 0;  // written into padded positions (masked out)
};

// A model's limits (its vocabulary and positions) and the id its padding holds: the
// vocabulary's pad, else its EOS, else 0 (padded positions are masked out, so any valid id
// works).
BatchLimits batch_limits(const fb::ModelT& desc);
// Decoders pad on the left, encoders on the right.
PadSide pad_side(fb::Family family);

// Throws qtx::Error(kInvalidArgument) naming the sequence for an empty batch or sequence, a
// sequence longer than max_positions, or an id outside the vocabulary.
PaddedBatch pad_batch(const std::vector<std::vector<int32_t>>& sequences, const BatchLimits& limits,
                      PadSide side);

}  // namespace qtx::runtime
