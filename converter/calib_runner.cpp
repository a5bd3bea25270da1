#include "converter/calib_runner.h"

#include <memory>

#include "converter/calib_data.h"
#include "converter/calib_visible.h"
#include "engine/runtime/executor.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// Routes the visible part of each observed value (calib_visible.h) to the estimators of the
// points it belongs to.
class RangeObserver : public RunObserver {
 public:
  RangeObserver(const fb::GraphT& graph, const std::vector<QuantPoint>& points,
                const QuantRecipe& recipe)
      : graph_(graph), points_(points), by_node_(graph.nodes.size()) {
    const QuantGrid grid = activation_grid(recipe.symmetric_activations);
    for (size_t i = 0; i < points.size(); ++i) {
      by_node_.at(static_cast<size_t>(points[i].node)).push_back(i);
      estimators_.push_back(make_estimator(recipe.estimator, grid));
    }
  }

  // The mask of the batch that the next observed values come from.
  void begin_batch(const Tensor& attention_mask) {
    mask_ = {attention_mask.data<int32_t>(), attention_mask.dim(0), attention_mask.dim(1)};
  }

  void observe(int node_index, std::string_view what, const Tensor& value) override {
    if (node_index < 0 || static_cast<size_t>(node_index) >= by_node_.size()) return;
    for (size_t i : by_node_[static_cast<size_t>(node_index)]) {
      if (points_[i].what != what) continue;
      if (value.dtype() != DType::F32) {
        fail(i, "the runtime reported a " + std::string(dtype_name(value.dtype())) + " value");
      }
      try {
        estimators_[i]->observe(visible_values(value, what, mask_, causal(node_index)));
      } catch (const Error& e) {
        fail(i, e.what());
      }
    }
  }

  std::vector<ValueRange> ranges() const {
    std::vector<ValueRange> out;
    for (size_t i = 0; i < estimators_.size(); ++i) {
      try {
        out.push_back(estimators_[i]->range());
      } catch (const Error& e) {
        fail(i, std::string(e.what()) + " (the runtime never reported this value)");
      }
    }
    return out;
  }

 private:
  bool causal(int node_index) const {
    const auto* attention = graph_.nodes[static_cast<size_t>(node_index)]->op.AsAttentionAttrs();
    return attention && attention->causal;
  }

  [[noreturn]] void fail(size_t i, const std::string& message) const {
    throw Error(ErrorCode::kInvalidArgument,
                "calibration: " + point_name(graph_, points_[i]) + ": " + message);
  }

  const fb::GraphT& graph_;
  const std::vector<QuantPoint>& points_;
  std::vector<std::vector<size_t>> by_node_;
  std::vector<std::unique_ptr<RangeEstimator>> estimators_;
  BatchMask mask_;
};

// Sequences [first, first + count) as one batch; they all have the same length.
RunInputs batch_inputs(const std::vector<std::vector<int32_t>>& sequences, size_t first,
                       size_t count) {
  const auto length = static_cast<int64_t>(sequences[first].size());
  RunInputs inputs{Tensor(DType::I32, {static_cast<int64_t>(count), length}),
                   Tensor(DType::I32, {static_cast<int64_t>(count), length})};
  int32_t* ids = inputs.input_ids.data<int32_t>();
  int32_t* mask = inputs.attention_mask.data<int32_t>();
  for (size_t b = 0; b < count; ++b) {
    const auto& sequence = sequences[first + b];
    for (size_t t = 0; t < sequence.size(); ++t) {
      ids[b * sequence.size() + t] = sequence[t];
      mask[b * sequence.size() + t] = 1;
    }
  }
  return inputs;
}

}  // namespace

Calibration calibrate(const std::shared_ptr<const ModelDef>& model,
                      const std::vector<QuantPoint>& points, const QuantRecipe& recipe,
                      const std::function<void(const std::string&)>& progress) {
  const int max_length = model->config().max_positions;
  if (recipe.calibration_seq_len > max_length) {
    throw Error(ErrorCode::kInvalidArgument,
                "calibration: sequence length " + std::to_string(recipe.calibration_seq_len) +
                    " is longer than the model's " + std::to_string(max_length) + " positions");
  }
  const auto sequences = calibration_sequences(
      recipe.calibration_data, *model->desc.tokenizer, recipe.calibration_samples,
      recipe.calibration_seq_len, model->config().head == fb::Head::MaskedLM);
  const Executor executor(model, ExecutorOptions{});
  RangeObserver observer(model->graph(), points, recipe);
  const auto batch = static_cast<size_t>(recipe.calibration_batch);
  const size_t batches = (sequences.size() + batch - 1) / batch;
  for (size_t b = 0; b < batches; ++b) {
    if (progress) {
      progress("calibrating: batch " + std::to_string(b + 1) + "/" + std::to_string(batches) +
               " (" + std::to_string(sequences.size()) + " sequences of " +
               std::to_string(sequences[0].size()) + " tokens)");
    }
    const size_t first = b * batch;
    const RunInputs inputs =
        batch_inputs(sequences, first, std::min(batch, sequences.size() - first));
    observer.begin_batch(inputs.attention_mask);
    executor.run(inputs, nullptr, &observer);
  }
  return {observer.ranges(), static_cast<int>(sequences.size())};
}

}  // namespace qtx::convert
