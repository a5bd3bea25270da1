// Reads the golden references written by tests/tools/gen_golden.py (its header documents the
// format): tests/data/golden/<model>/manifest.json and one binary file of arrays per case.
#pragma once

#include <string>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::testing {

struct GoldenCase {
  std::string name;
  Tensor input_ids;       // I32 [B,S]
  Tensor attention_mask;  // I32 [B,S]
  Tensor hidden;          // F32 [B,S,H]
  Tensor logits;          // F32 [B,S,C]: the logits at GoldenModel::logit_columns
  Tensor logsumexp;       // F32 [B,S]
  Tensor argmax;          // I32 [B,S]
  Tensor mean_pooled;     // F32 [B,H], bert4L-vanilla only (headless BertModel)
  Tensor normalized;      // F32 [B,H], bert4L-vanilla only
};

struct GoldenModel {
  std::string name;
  std::vector<int64_t> logit_columns;
  std::vector<GoldenCase> cases;
};

GoldenModel read_golden(const std::string& model);

// max |actual - expected| / max |expected| over the rows [b, s] whose mask is 1 (padded
// positions hold whatever Hugging Face computed there). Both are [B, S, ...] or [B, S].
double masked_relative_error(const Tensor& actual, const Tensor& expected, const Tensor& mask);
// logits [B,S,V] -> [B,S,C] at `columns`.
Tensor gather_columns(const Tensor& logits, const std::vector<int64_t>& columns);
Tensor logsumexp_rows(const Tensor& logits);  // [B,S,V] -> [B,S]
Tensor argmax_rows(const Tensor& logits);     // [B,S,V] -> I32 [B,S]

}  // namespace qtx::testing
