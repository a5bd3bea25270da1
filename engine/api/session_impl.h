// What a qtx::Session holds: its model, its options and the executor shared through the
// model. Session methods are const and keep no per-call state here, so a Session is cheap.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/api/model_impl.h"

namespace qtx {

struct Session::Impl {
  std::shared_ptr<const Model> model;
  SessionOptions options;
  std::shared_ptr<const Executor> executor;

  const Model::Impl& model_impl() const { return *model->impl_; }
  // The model's input ids for each text, framing included, within `limit`.
  std::vector<std::vector<int32_t>> encode_all(const std::vector<std::string>& texts,
                                               const InputLimit& limit) const;
  // Every graph output of one padded forward pass (no KV cache).
  std::vector<Tensor> run(const runtime::PaddedBatch& batch) const;
  runtime::PaddedBatch pad(const std::vector<std::vector<int32_t>>& batch) const;
  // Throws kUnsupported naming the file and the head when `task` needs another head.
  void require_head(ModelHead head, const std::string& task) const;
};

}  // namespace qtx
