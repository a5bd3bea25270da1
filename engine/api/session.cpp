// qtx::Session: batching, the executor call and generation; the text tasks built on forward()
// live in session_tasks.cpp.
#include <algorithm>
#include <string>

#include "engine/api/session_impl.h"
#include "engine/runtime/generation.h"

namespace qtx {
namespace {

// The graph's first output as [B, S, D]; a pooled [B, D] output counts as one position.
ForwardResult to_result(const Tensor& output, const runtime::PaddedBatch& batch) {
  const auto rows = static_cast<int64_t>(batch.lengths.size());
  const bool pooled = output.rank() == 2;
  if (output.dtype() != DType::F32 || (output.rank() != 3 && !pooled) || output.dim(0) != rows ||
      (!pooled && output.dim(1) != batch.max_length)) {
    throw Error(ErrorCode::kInternal, "forward: the graph's first output has shape " +
                                          shape_string(output.shape()) + ", expected [" +
                                          std::to_string(rows) + ", " +
                                          std::to_string(batch.max_length) + ", width]");
  }
  ForwardResult result;
  result.batch = rows;
  result.max_length = pooled ? 1 : batch.max_length;
  result.width = output.dim(-1);
  result.lengths = pooled ? std::vector<int64_t>(batch.lengths.size(), 1) : batch.lengths;
  result.left_padded = !pooled && batch.side == runtime::PadSide::kLeft;
  result.values = {output.data<float>(), static_cast<size_t>(output.numel())};
  result.storage = output.storage();
  return result;
}

}  // namespace

std::span<const float> ForwardResult::row(int64_t b, int64_t i) const {
  if (b < 0 || b >= batch || i < 0 || i >= lengths[static_cast<size_t>(b)]) {
    throw Error(ErrorCode::kInvalidArgument, "ForwardResult::row(" + std::to_string(b) + ", " +
                                                 std::to_string(i) + ") is out of range");
  }
  const int64_t column = left_padded ? max_length - lengths[static_cast<size_t>(b)] + i : i;
  return {values.data() + (b * max_length + column) * width, static_cast<size_t>(width)};
}

std::vector<std::vector<int32_t>> Session::Impl::encode_all(const std::vector<std::string>& texts,
                                                            const InputLimit& limit) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      ids.push_back(model->encode(texts[i], limit));
    } catch (const Error& error) {
      if (texts.size() == 1) throw;
      throw Error(error.code(), "text " + std::to_string(i + 1) + ": " + error.what());
    }
  }
  return ids;
}

runtime::PaddedBatch Session::Impl::pad(const std::vector<std::vector<int32_t>>& batch) const {
  const Model::Impl& m = model_impl();
  return runtime::pad_batch(batch, m.batch_limits(), runtime::pad_side(m.def->config().family));
}

std::vector<Tensor> Session::Impl::run(const runtime::PaddedBatch& batch) const {
  std::vector<Tensor> outputs =
      executor->run(RunInputs{batch.input_ids, batch.attention_mask}, nullptr);
  if (outputs.empty()) throw Error(ErrorCode::kInternal, "forward: the graph has no output");
  return outputs;
}

void Session::Impl::require_head(ModelHead head, const std::string& task) const {
  const ModelInfo& info = model->info();
  if (info.head != head) {
    throw Error(ErrorCode::kUnsupported,
                task + " needs a model with a " + std::string(head_name(head)) + " head; " +
                    model->path() + " (" + info.architecture + ") has head '" +
                    std::string(head_name(info.head)) + "'");
  }
}

Session::Session(std::shared_ptr<const Model> model, SessionOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!model) throw Error(ErrorCode::kInvalidArgument, "Session: no model given");
  if (options.threads < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "threads must be >= 0 (0 means all cores), got " + std::to_string(options.threads));
  }
  impl_->executor = model->impl_->executor(options);
  impl_->model = std::move(model);
  impl_->options = options;
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Model& Session::model() const {
  return *impl_->model;
}

ForwardResult Session::forward(const std::vector<std::vector<int32_t>>& batch) const {
  const runtime::PaddedBatch padded = impl_->pad(batch);
  // No KV cache: a one-shot forward attends within its own tokens only.
  return to_result(impl_->run(padded).at(0), padded);
}

std::vector<Generation> Session::generate(const std::vector<std::string>& prompts,
                                          const GenerationOptions& options) const {
  impl_->require_head(ModelHead::kCausalLM, "generation");
  return generate_ids(impl_->encode_all(prompts, options.input), options);
}

std::vector<Generation> Session::generate_ids(const std::vector<std::vector<int32_t>>& prompts,
                                              const GenerationOptions& options) const {
  impl_->require_head(ModelHead::kCausalLM, "generation");
  const Model::Impl& m = impl_->model_impl();
  runtime::GenerationRequest request;
  request.prompts = prompts;
  request.max_new_tokens = options.max_new_tokens;
  request.sampling = {options.temperature, options.top_k, options.top_p};
  request.seed = options.seed;
  request.stop_at_eos = options.stop_at_eos;
  request.eos_id = m.tokenizer->special_ids().eos;
  runtime::validate_sampling(request.sampling);
  const std::vector<runtime::GeneratedRow> rows =
      runtime::generate(*impl_->executor, m.batch_limits(), request);
  std::vector<Generation> generations(rows.size());
  for (size_t b = 0; b < rows.size(); ++b) {
    generations[b].prompt_ids = prompts[b];
    generations[b].new_ids = rows[b].ids;
    generations[b].text = m.tokenizer->decode(rows[b].ids, /*skip_special=*/true);
    generations[b].stopped_at_eos = rows[b].stopped_at_eos;
  }
  return generations;
}

}  // namespace qtx
