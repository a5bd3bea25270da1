// qtx::Model: a loaded .qtx file and its tokenizer, immutable once built.
#include <string>

#include "engine/api/model_impl.h"
#include "engine/api/model_info.h"
#include "engine/format/qtx_loader.h"
#include "engine/text/tokenizer_factory.h"

namespace qtx {
std::shared_ptr<const Executor> Model::Impl::executor(const SessionOptions& options) const {
  const std::pair<int, int> key{static_cast<int>(options.backend), options.threads};
  std::lock_guard<std::mutex> lock(executors_mutex_);
  auto& slot = executors_[key];
  if (!slot) {
    ExecutorOptions executor_options;
    executor_options.backend = options.backend == SessionOptions::Backend::kReference
                                   ? Backend::kReference
                                   : Backend::kCpu;
    executor_options.threads = options.threads;
    slot = std::make_shared<const Executor>(def, executor_options);
  }
  return slot;
}

runtime::BatchLimits Model::Impl::batch_limits() const {
  return runtime::batch_limits(def->desc);
}

std::shared_ptr<const Model> Model::load(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->def = load_qtx(path);
  impl->tokenizer = text::make_tokenizer(*impl->def->desc.tokenizer);
  impl->info = model_info(impl->def->desc);
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelInfo& Model::info() const {
  return impl_->info;
}
const std::string& Model::path() const {
  return impl_->path;
}

std::vector<int32_t> Model::encode(std::string_view text) const {
  return impl_->tokenizer->encode_for_model(text);
}

std::vector<int32_t> Model::encode(std::string_view text, const InputLimit& limit) const {
  if (limit.max_length < 0) {
    throw Error(ErrorCode::kInvalidArgument, "max_length must be >= 0 (0: the model's own), got " +
                                                 std::to_string(limit.max_length));
  }
  const int64_t max_length = limit.max_length > 0 ? limit.max_length : info().defaults.max_length;
  if (max_length > info().max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                "a maximum length of " + std::to_string(max_length) + " tokens exceeds " + path() +
                    "'s max_positions of " + std::to_string(info().max_positions));
  }
  if (limit.truncate) {
    return impl_->tokenizer->encode_for_model(text, static_cast<size_t>(max_length));
  }
  std::vector<int32_t> ids = impl_->tokenizer->encode_for_model(text);
  if (static_cast<int64_t>(ids.size()) > max_length) {
    throw Error(ErrorCode::kInvalidArgument,
                "input of " + std::to_string(ids.size()) +
                    " tokens is longer than the model's maximum length of " +
                    std::to_string(max_length) +
                    " tokens (truncation cuts it: InputLimit::truncate, qtx run --truncate)");
  }
  return ids;
}

std::vector<int32_t> Model::encode_unframed(std::string_view text) const {
  return impl_->tokenizer->encode(text);
}

const SpecialTokens& Model::special_tokens() const {
  return impl_->tokenizer->special_ids();
}

int64_t Model::tokenizer_size() const {
  return static_cast<int64_t>(impl_->tokenizer->vocab_size());
}

std::string Model::decode(std::span<const int32_t> ids, bool skip_special) const {
  return impl_->tokenizer->decode(ids, skip_special);
}

const std::string& Model::token(int32_t id) const {
  return impl_->tokenizer->token(id);
}

}  // namespace qtx
