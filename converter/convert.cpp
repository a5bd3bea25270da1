#include "converter/convert.h"

#include <optional>

#include "converter/calib_runner.h"
#include "converter/checkpoint.h"
#include "converter/qtx_writer.h"
#include "converter/quantize.h"
#include "converter/tokenizer_files.h"
#include "engine/ops/op_slots.h"
#include "engine/util/half.h"
#include "models/registry.h"
#include "models/sentence_transformers.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

void report(const ConvertOptions& options, const std::string& step) {
  if (options.progress) options.progress(step);
}

Tensor to_half(const Tensor& source) {
  Tensor half(DType::F16, source.shape());
  const float* src = source.data<float>();
  auto* dst = static_cast<uint16_t*>(half.raw_mutable());
  for (int64_t i = 0; i < source.numel(); ++i) dst[i] = float_to_half(src[i]);
  return half;
}

// The constant inputs that hold large matrices: Linear weights and embedding tables.
std::vector<int> large_matrix_inputs(const fb::NodeT& node) {
  using Linear = ops::LinearSlots;
  using Embedding = ops::EmbeddingSlots;
  if (node.op.type == fb::Op::LinearAttrs && node.inputs.size() > Linear::kWeight) {
    return {node.inputs[Linear::kWeight]};
  }
  if (node.op.type == fb::Op::EmbeddingAttrs && node.inputs.size() > Embedding::kTokenTypeTable) {
    return {node.inputs[Embedding::kWordTable], node.inputs[Embedding::kPositionTable],
            node.inputs[Embedding::kTokenTypeTable]};
  }
  return {};
}

// Stores the large matrices as F16 (a tied table shared by two nodes is converted once).
void store_weights_as_half(ModelDef& model) {
  auto& tensors = model.desc.graph->tensors;
  for (const auto& node : model.desc.graph->nodes) {
    for (int index : large_matrix_inputs(*node)) {
      if (index < 0) continue;
      const auto i = static_cast<size_t>(index);
      if (!tensors[i]->constant || tensors[i]->dtype != DType::F32) continue;
      model.constants[i] = to_half(model.constants[i]);
      tensors[i]->dtype = DType::F16;
    }
  }
  model.desc.recipe->name = "float16";
  model.desc.recipe->weights = DType::F16;
  model.desc.recipe->description =
      "float16 Linear weights and embeddings; float32 LayerNorm, biases, gates and activations";
}

// Calibrates (static recipes) and rewrites the float32 model into the recipe's int8 model.
void quantize(ModelDef& model, const ConvertOptions& options) {
  const QuantRecipe recipe = resolve_recipe(options.quantize, model.config().family);
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  Calibration calibration;
  if (!plan.activations.empty()) {
    report(options, "calibrating " + std::to_string(plan.activations.size()) + " activations on " +
                        recipe.calibration_data + " with " + recipe.estimator.name());
    auto shared = std::make_shared<ModelDef>(std::move(model));
    calibration = calibrate(shared, plan.activations, recipe, options.progress);
    model = std::move(*shared);
  }
  report(options, "quantizing " + std::to_string(plan.quantized_linears.size()) +
                      " linear layers (" + recipe.name + ")");
  quantize_model(model, plan, calibration.ranges, recipe, calibration.sequences);
}

}  // namespace

ModelDef build_model(const std::filesystem::path& checkpoint_dir, const ConvertOptions& options) {
  if (options.dtype != DType::F32 && options.dtype != DType::F16) {
    throw Error(ErrorCode::kInvalidArgument, "convert " + checkpoint_dir.string() +
                                                 ": weight dtype " +
                                                 std::string(dtype_name(options.dtype)) +
                                                 " (float conversion supports F32, F16)");
  }
  if (options.quantize.requested() && options.dtype != DType::F32) {
    throw Error(ErrorCode::kInvalidArgument,
                "convert " + checkpoint_dir.string() +
                    ": quantization starts from float32 weights; leave out the float16 dtype");
  }
  std::optional<models::SentencePipeline> pipeline;
  if (models::is_sentence_transformers(checkpoint_dir)) {
    report(options, "reading sentence-transformers modules");
    pipeline = models::read_sentence_pipeline(checkpoint_dir);
  }
  const std::filesystem::path model_dir = pipeline ? pipeline->transformer_dir : checkpoint_dir;
  report(options, "reading " + (model_dir / "config.json").string());
  const models::ModelConfig config = models::ModelConfig::read(model_dir);
  // An unsupported architecture is the first thing to tell, before any weight file is opened.
  models::resolve_architecture(config);
  report(options, "opening checkpoint " + model_dir.string());
  const Checkpoint checkpoint = Checkpoint::open(model_dir);
  report(options, "building graph");
  ModelDef model = models::build_graph(config, checkpoint, {options.softmax, pipeline.has_value()});
  report(options, "reading tokenizer");
  model.desc.tokenizer = read_tokenizer(model_dir);
  if (pipeline) {
    report(options, "adding the sentence-transformers pooling, Dense and Normalize modules");
    models::add_sentence_pipeline(model, *pipeline);
  }
  if (options.dtype == DType::F16) {
    report(options, "storing weights as float16");
    store_weights_as_half(model);
  }
  if (options.quantize.requested()) quantize(model, options);
  return model;
}

void convert_checkpoint(const std::filesystem::path& checkpoint_dir,
                        const std::filesystem::path& out, const ConvertOptions& options) {
  const ModelDef model = build_model(checkpoint_dir, options);
  report(options, "writing " + out.string());
  write_qtx(model, out);
}

}  // namespace qtx::convert
