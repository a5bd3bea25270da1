// The text tasks of qtx::Session built on forward(): fill-mask, embeddings, classification.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "engine/api/session_impl.h"

namespace qtx {
namespace {

// softmax over a row, in double so that 30k-way sums keep their precision.
std::vector<float> softmax(std::span<const float> logits) {
  const float top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> exps(logits.size());
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    exps[i] = std::exp(static_cast<double>(logits[i] - top));
    sum += exps[i];
  }
  std::vector<float> probs(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) probs[i] = static_cast<float>(exps[i] / sum);
  return probs;
}

// The top_k entries by probability; the lower id first among equals.
std::vector<TokenScore> top_tokens(std::span<const float> logits, int top_k, const Model& model) {
  const std::vector<float> probs = softmax(logits);
  std::vector<int32_t> ids(probs.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto k = std::min(static_cast<size_t>(top_k), ids.size());
  std::partial_sort(
      ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
      [&](int32_t a, int32_t b) {
        return probs[static_cast<size_t>(a)] > probs[static_cast<size_t>(b)] ||
               (probs[static_cast<size_t>(a)] == probs[static_cast<size_t>(b)] && a < b);
      });
  std::vector<TokenScore> top(k);
  for (size_t r = 0; r < k; ++r) {
    top[r] = {model.token(ids[r]), ids[r], probs[static_cast<size_t>(ids[r])]};
  }
  return top;
}

void normalize_l2(std::vector<float>& v) {
  double norm = 0.0;
  for (float x : v) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  if (norm == 0.0) return;  // an all-zero vector has no direction to keep
  for (float& x : v) x = static_cast<float>(x / norm);
}

std::vector<float> pool(const ForwardResult& hidden, int64_t b, Pooling pooling) {
  if (pooling == Pooling::kCls) {
    const auto first = hidden.row(b, 0);
    return {first.begin(), first.end()};
  }
  std::vector<float> mean(static_cast<size_t>(hidden.width), 0.0f);
  const int64_t length = hidden.lengths[static_cast<size_t>(b)];
  for (int64_t i = 0; i < length; ++i) {
    const auto row = hidden.row(b, i);
    for (size_t d = 0; d < mean.size(); ++d) mean[d] += row[d];
  }
  for (float& x : mean) x /= static_cast<float>(length);
  return mean;
}

}  // namespace

std::vector<std::vector<MaskPrediction>> Session::fill_mask(const std::vector<std::string>& texts,
                                                            int top_k) const {
  impl_->require_head(ModelHead::kMaskedLM, "fill-mask");
  if (top_k < 1) {
    throw Error(ErrorCode::kInvalidArgument, "top_k must be >= 1, got " + std::to_string(top_k));
  }
  const int32_t mask_id = impl_->model_impl().tokenizer->special_ids().mask;
  if (mask_id < 0) {
    throw Error(ErrorCode::kUnsupported, model().path() + ": the vocabulary has no mask token");
  }
  const std::vector<std::vector<int32_t>> ids = impl_->encode_all(texts);
  for (size_t b = 0; b < ids.size(); ++b) {
    if (std::find(ids[b].begin(), ids[b].end(), mask_id) == ids[b].end()) {
      throw Error(ErrorCode::kInvalidArgument, "fill-mask: text " + std::to_string(b + 1) +
                                                   " has no " + model().token(mask_id) +
                                                   " token: \"" + texts[b] + "\"");
    }
  }
  const ForwardResult logits = forward(ids);
  std::vector<std::vector<MaskPrediction>> predictions(ids.size());
  for (size_t b = 0; b < ids.size(); ++b) {
    for (size_t i = 0; i < ids[b].size(); ++i) {
      if (ids[b][i] != mask_id) continue;
      const auto position = static_cast<int64_t>(i);
      predictions[b].push_back(
          {position, top_tokens(logits.row(static_cast<int64_t>(b), position), top_k, model())});
    }
  }
  return predictions;
}

std::vector<std::vector<float>> Session::embed(const std::vector<std::string>& texts,
                                               Pooling pooling, bool normalize) const {
  impl_->require_head(ModelHead::kNone, "embedding");
  const ForwardResult hidden = forward(impl_->encode_all(texts));
  std::vector<std::vector<float>> embeddings;
  for (int64_t b = 0; b < hidden.batch; ++b) {
    embeddings.push_back(pool(hidden, b, pooling));
    if (normalize) normalize_l2(embeddings.back());
  }
  return embeddings;
}

std::vector<std::vector<float>> Session::classify(const std::vector<std::string>& texts) const {
  impl_->require_head(ModelHead::kSequenceClassification, "classification");
  const ForwardResult logits = forward(impl_->encode_all(texts));
  std::vector<std::vector<float>> probabilities;
  // The classifier reads the first token ([CLS]); a pooled graph output has only that one.
  for (int64_t b = 0; b < logits.batch; ++b) probabilities.push_back(softmax(logits.row(b, 0)));
  return probabilities;
}

}  // namespace qtx
