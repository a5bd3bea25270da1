// The text tasks of qtx::Session built on forward(): fill-mask, embeddings, classification.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "engine/api/model_info.h"
#include "engine/api/session_impl.h"
#include "engine/ops/pooling.h"

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

// A [B, D] tensor as one vector per row.
std::vector<std::vector<float>> rows_of(const Tensor& pooled) {
  if (pooled.dtype() != DType::F32 || pooled.rank() != 2) {
    throw Error(ErrorCode::kInvalidFile,
                "the embedding output is " + std::string(dtype_name(pooled.dtype())) + " " +
                    shape_string(pooled.shape()) + ", expected F32 [B, D]");
  }
  const int64_t width = pooled.dim(1);
  std::vector<std::vector<float>> rows;
  for (int64_t b = 0; b < pooled.dim(0); ++b) {
    const float* row = pooled.data<float>() + b * width;
    rows.emplace_back(row, row + width);
  }
  return rows;
}

}  // namespace

std::vector<std::vector<MaskPrediction>> Session::fill_mask(const std::vector<std::string>& texts,
                                                            int top_k,
                                                            const InputLimit& input) const {
  impl_->require_head(ModelHead::kMaskedLM, "fill-mask");
  if (top_k < 1) {
    throw Error(ErrorCode::kInvalidArgument, "top_k must be >= 1, got " + std::to_string(top_k));
  }
  const int32_t mask_id = impl_->model_impl().tokenizer->special_ids().mask;
  if (mask_id < 0) {
    throw Error(ErrorCode::kUnsupported, model().path() + ": the vocabulary has no mask token");
  }
  const std::vector<std::vector<int32_t>> ids = impl_->encode_all(texts, input);
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
                                               const EmbeddingOptions& options) const {
  impl_->require_head(ModelHead::kNone, "embedding");
  const Model::Impl& m = impl_->model_impl();
  const TaskDefaults& defaults = m.info.defaults;
  const Pooling pooling = options.pooling.value_or(defaults.pooling);
  if (pooling != defaults.pooling && defaults.dense_layers > 0) {
    throw Error(ErrorCode::kUnsupported,
                "embedding: " + model().path() + " has " + std::to_string(defaults.dense_layers) +
                    " Dense module(s) trained on " + std::string(pooling_name(defaults.pooling)) +
                    " pooling; " + std::string(pooling_name(pooling)) +
                    " pooling cannot feed them");
  }
  const runtime::PaddedBatch padded = impl_->pad(impl_->encode_all(texts, options.input));
  const std::vector<Tensor> outputs = impl_->run(padded);
  const int32_t pipeline = m.def->desc.defaults ? m.def->desc.defaults->embedding_output : -1;
  std::vector<std::vector<float>> embeddings;
  if (pipeline >= 0 && pooling == defaults.pooling) {
    // The graph pools (and applies the Dense modules) itself.
    embeddings = rows_of(outputs.at(static_cast<size_t>(pipeline)));
  } else {
    fb::PoolingAttrsT attrs;
    attrs.mode = pooling_mode(pooling);
    const std::string node = "embedding pooling";
    const ops::OpContext ctx{node};
    embeddings = rows_of(ops::pooling(ctx, attrs, outputs.at(0), padded.attention_mask));
  }
  if (options.normalize.value_or(defaults.normalize)) {
    for (std::vector<float>& embedding : embeddings) normalize_l2(embedding);
  }
  return embeddings;
}

std::vector<std::vector<float>> Session::classify(const std::vector<std::string>& texts,
                                                  const InputLimit& input) const {
  impl_->require_head(ModelHead::kSequenceClassification, "classification");
  const ForwardResult logits = forward(impl_->encode_all(texts, input));
  std::vector<std::vector<float>> probabilities;
  // The classifier reads the first token ([CLS]); a pooled graph output has only that one.
  for (int64_t b = 0; b < logits.batch; ++b) probabilities.push_back(softmax(logits.row(b, 0)));
  return probabilities;
}

}  // namespace qtx
