// What a qtx::Model holds behind its pimpl: the loaded graph and weights, the tokenizer, and
// the executors prepared for it. Executors are prepared once per (backend, threads) and shared
// by every Session that asks for the same options: preparing reorders all weights.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "engine/graph/model_def.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/session_batch.h"
#include "engine/text/tokenizer.h"
#include "qtx/qtx.h"

namespace qtx {

struct Model::Impl {
  std::string path;
  std::shared_ptr<const ModelDef> def;
  std::unique_ptr<text::Tokenizer> tokenizer;
  ModelInfo info;

  // The executor for these options, prepared on first use; safe to call from many threads.
  std::shared_ptr<const Executor> executor(const SessionOptions& options) const;
  // Sizes and the pad id that sequences are checked against and padded with.
  runtime::BatchLimits batch_limits() const;

 private:
  mutable std::mutex executors_mutex_;
  mutable std::map<std::pair<int, int>, std::shared_ptr<const Executor>> executors_;
};

}  // namespace qtx
