// The observed values that calibration ranges are made of: only those that real tokens see.
// A padded position (attention mask 0) carries placeholder activations, and the attention
// entries a query cannot see (padded keys, and the later keys of a causal query) are reported
// as 0 in the observed scores and probs. None of them reaches a real token's output, so they
// must not shape a range: padding would stretch min-max ranges, and the masked zeros (about
// half of a causal model's scores and probs) would skew every estimator that reads the
// distribution (percentile, MSE).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::convert {

// The attention mask of one calibration batch: [batch, tokens], 1 for a real token. Calibration
// runs have no KV cache, so the mask covers exactly the batch's tokens.
struct BatchMask {
  const int32_t* values = nullptr;
  int64_t batch = 0;
  int64_t tokens = 0;
};

// `what` and `value` as a RunObserver is told them:
// - "output" of rank 3 [batch, tokens, X]: the rows of real tokens;
// - "output" of any other shape (a pooled [batch, H], a classifier's [batch, classes]): all
//   values, since each belongs to a whole sequence;
// - "scores" or "probs" [batch, heads, tokens, tokens]: entry (query i, key t) when both tokens
//   are real and, for a causal attention, t <= i.
// Throws kInternal when the shape does not fit the mask (a value of another batch).
std::vector<float> visible_values(const Tensor& value, std::string_view what, const BatchMask& mask,
                                  bool causal);

}  // namespace qtx::convert
