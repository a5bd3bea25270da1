// The float path end to end against Hugging Face (tests/tools/gen_golden.py): each shared
// checkpoint converted (directly, through a float32 .qtx file and through a float16 one) and
// run by the Executor must give HF's hidden states, logits and logsumexp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "converter/convert.h"
#include "converter/qtx_writer.h"
#include "engine/format/qtx_loader.h"
#include "engine/runtime/executor.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/golden/golden_reader.h"

namespace qtx {
namespace {

using testing::GoldenCase;
using testing::GoldenModel;

enum class Route { kDirect, kFile };

struct GoldenParams {
  std::string model;
  Route route;
  DType dtype;
  Backend backend;
  double tolerance;  // max |a - b| / max |b|
};

std::string param_name(const ::testing::TestParamInfo<GoldenParams>& info) {
  std::string name = info.param.model + (info.param.route == Route::kFile ? "_file" : "_direct") +
                     (info.param.dtype == DType::F16 ? "_f16" : "_f32") +
                     (info.param.backend == Backend::kReference ? "_reference" : "_cpu");
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

std::shared_ptr<const ModelDef> converted(const GoldenParams& p) {
  convert::ConvertOptions options;
  options.dtype = p.dtype;
  const auto dir = testing::shared_model_dir(p.model);
  if (p.route == Route::kDirect) {
    return std::make_shared<const ModelDef>(convert::build_model(dir, options));
  }
  testing::TempDir temp("golden");
  const auto file = temp.path() / (p.model + ".qtx");
  convert::convert_checkpoint(dir, file, options);
  // The loaded constants are views of the mapping, which the ModelDef keeps alive.
  return load_qtx(file);
}

class FloatGolden : public ::testing::TestWithParam<GoldenParams> {};

void expect_case_matches(const Executor& executor, const GoldenModel& golden, const GoldenCase& c,
                         double tolerance) {
  SCOPED_TRACE(golden.name + " " + c.name);
  const auto outputs = executor.run({c.input_ids, c.attention_mask}, nullptr);
  ASSERT_EQ(outputs.size(), 2u);  // logits, then the last hidden state
  const Tensor& logits = outputs[0];
  const Tensor& mask = c.attention_mask;
  EXPECT_LE(testing::masked_relative_error(outputs[1], c.hidden, mask), tolerance);
  EXPECT_LE(testing::masked_relative_error(testing::gather_columns(logits, golden.logit_columns),
                                           c.logits, mask),
            tolerance);
  EXPECT_LE(testing::masked_relative_error(testing::logsumexp_rows(logits), c.logsumexp, mask),
            tolerance);
  const Tensor argmax = testing::argmax_rows(logits);
  int64_t differing = 0;
  for (int64_t i = 0; i < mask.numel(); ++i) {
    differing +=
        mask.data<int32_t>()[i] != 0 && argmax.data<int32_t>()[i] != c.argmax.data<int32_t>()[i];
  }
  // float32 agrees on every prediction; float16 weights may flip a rare near-tie.
  EXPECT_LE(differing, tolerance > 1e-3 ? 1 : 0);
}

TEST_P(FloatGolden, MatchesHuggingFace) {
  const GoldenParams& p = GetParam();
  const GoldenModel golden = testing::read_golden(p.model);
  ExecutorOptions options;
  options.backend = p.backend;
  const Executor executor(converted(p), options);
  for (const auto& c : golden.cases) expect_case_matches(executor, golden, c, p.tolerance);
}

std::vector<GoldenParams> all_params() {
  std::vector<GoldenParams> params;
  for (const char* model :
       {"bert4L-vanilla", "bert4L-clipped", "bert4L-gated", "opt4L-vanilla", "opt4L-gated"}) {
    params.push_back({model, Route::kDirect, DType::F32, Backend::kReference, 1e-4});
    params.push_back({model, Route::kFile, DType::F32, Backend::kCpu, 1e-4});
    params.push_back({model, Route::kFile, DType::F16, Backend::kCpu, 1e-2});
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, FloatGolden, ::testing::ValuesIn(all_params()), param_name);

// The goldens can tell the variants apart: bert4L-clipped run with vanilla softmax (a converter
// override) must not match HF's clipped outputs.
TEST(FloatGoldenSensitivity, ClippedModelRunAsVanillaDiffers) {
  convert::ConvertOptions options;
  options.softmax = "vanilla";
  auto model = std::make_shared<const ModelDef>(
      convert::build_model(testing::shared_model_dir("bert4L-clipped"), options));
  const Executor executor(model, {});
  const GoldenModel golden = testing::read_golden("bert4L-clipped");
  const GoldenCase& c = golden.cases.at(0);
  const auto outputs = executor.run({c.input_ids, c.attention_mask}, nullptr);
  // Ten times the golden tolerance (1e-4): the golden test would catch a lost variant.
  EXPECT_GT(testing::masked_relative_error(outputs[1], c.hidden, c.attention_mask), 1e-3);
}

// BertForSequenceClassification: bert4L-vanilla's encoder with a made-up pooler and classifier
// (the shared models have none); expected logits are computed here from HF's hidden state of
// [CLS]: classifier(tanh(pooler(h_cls))).
TEST(SequenceClassificationGolden, PoolerAndClassifierOnClsToken) {
  testing::TempDir dir("classifier");
  testing::copy_side_files("bert4L-vanilla", dir.path());
  Json config = testing::read_json(dir.path() / "config.json");
  config = testing::with_key(config, "architectures",
                             Json(Json::Array{"BertForSequenceClassification"}));
  config =
      testing::with_key(config, "id2label",
                        Json(Json::Object{{"0", "negative"}, {"1", "neutral"}, {"2", "positive"}}));
  testing::write_json(dir.path() / "config.json", config);
  testing::NamedTensors tensors;
  for (auto& [name, tensor] : testing::read_all_tensors("bert4L-vanilla")) {
    if (name.starts_with("bert.")) tensors.emplace_back(name, std::move(tensor));
  }
  const int64_t hidden = 192, labels = 3;
  auto pattern = [](Shape shape, float step) {
    Tensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i) {
      t.data<float>()[i] = step * static_cast<float>((i * 7919) % 23 - 11);
    }
    return t;
  };
  const Tensor pooler_w = pattern({hidden, hidden}, 0.01f), pooler_b = pattern({hidden}, 0.02f);
  const Tensor classifier_w = pattern({labels, hidden}, 0.05f),
               classifier_b = pattern({labels}, 0.1f);
  tensors.emplace_back("bert.pooler.dense.weight", pooler_w);
  tensors.emplace_back("bert.pooler.dense.bias", pooler_b);
  tensors.emplace_back("classifier.weight", classifier_w);
  tensors.emplace_back("classifier.bias", classifier_b);
  testing::write_safetensors(dir.path() / "model.safetensors", tensors);
  auto model = std::make_shared<const ModelDef>(convert::build_model(dir.path(), {}));
  EXPECT_EQ(model->config().labels, (std::vector<std::string>{"negative", "neutral", "positive"}));
  const Executor executor(model, {});
  const GoldenModel golden = testing::read_golden("bert4L-vanilla");
  const GoldenCase& c = golden.cases.at(2);
  const Tensor logits = executor.run({c.input_ids, c.attention_mask}, nullptr).at(0);
  const int64_t batch = c.hidden.dim(0), seq = c.hidden.dim(1);
  ASSERT_EQ(logits.shape(), (Shape{batch, labels}));
  Tensor expected(DType::F32, {batch, labels});
  for (int64_t b = 0; b < batch; ++b) {
    const float* cls = c.hidden.data<float>() + b * seq * hidden;
    std::vector<double> pooled(static_cast<size_t>(hidden));
    for (int64_t o = 0; o < hidden; ++o) {
      double sum = pooler_b.data<float>()[o];
      for (int64_t i = 0; i < hidden; ++i) sum += pooler_w.data<float>()[o * hidden + i] * cls[i];
      pooled[static_cast<size_t>(o)] = std::tanh(sum);
    }
    for (int64_t l = 0; l < labels; ++l) {
      double sum = classifier_b.data<float>()[l];
      for (int64_t i = 0; i < hidden; ++i) {
        sum += classifier_w.data<float>()[l * hidden + i] * pooled[static_cast<size_t>(i)];
      }
      expected.data<float>()[b * labels + l] = static_cast<float>(sum);
    }
  }
  Tensor rows(DType::I32, {batch});
  std::fill_n(rows.data<int32_t>(), batch, 1);
  EXPECT_LE(testing::masked_relative_error(logits, expected, rows), 1e-4);
}

// Old BERT checkpoints name LayerNorm parameters gamma and beta.
std::string old_layer_norm_name(std::string name) {
  for (const auto& [now, old] :
       {std::pair<std::string, std::string>{"LayerNorm.weight", "LayerNorm.gamma"},
        {"LayerNorm.bias", "LayerNorm.beta"}}) {
    if (name.ends_with(now)) return name.substr(0, name.size() - now.size()) + old;
  }
  return name;
}

// OPTModel as HF saves it ("decoder." prefix, no lm_head): its final hidden states are
// opt4L-vanilla's.
TEST(HeadlessOptGolden, DecoderPrefixGivesHuggingFaceHiddenStates) {
  testing::TempDir dir("opt-headless");
  testing::copy_side_files("opt4L-vanilla", dir.path());
  const Json config = testing::read_json(dir.path() / "config.json");
  testing::write_json(dir.path() / "config.json",
                      testing::with_key(config, "architectures", Json(Json::Array{"OPTModel"})));
  testing::NamedTensors decoder;
  for (auto& [name, tensor] : testing::read_all_tensors("opt4L-vanilla")) {
    decoder.emplace_back(name.substr(std::string("model.").size()), std::move(tensor));
  }
  testing::write_safetensors(dir.path() / "model.safetensors", decoder);
  auto model = std::make_shared<const ModelDef>(convert::build_model(dir.path(), {}));
  EXPECT_EQ(model->config().head, fb::Head::None);
  const Executor executor(model, {});
  const GoldenModel golden = testing::read_golden("opt4L-vanilla");
  for (const auto& c : golden.cases) {
    const auto outputs = executor.run({c.input_ids, c.attention_mask}, nullptr);
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_LE(testing::masked_relative_error(outputs[0], c.hidden, c.attention_mask), 1e-4);
  }
}

// A headless BertModel checkpoint as HF saves one (no "bert." prefix, no cls.* tensors; here
// with the old gamma/beta names), made from bert4L-vanilla at run time; its masked mean-pooled
// embedding must match HF's.
TEST(HeadlessBertGolden, MeanPooledEmbeddingMatchesHuggingFace) {
  testing::TempDir dir("headless");
  testing::copy_side_files("bert4L-vanilla", dir.path());
  const Json config = testing::read_json(dir.path() / "config.json");
  testing::write_json(dir.path() / "config.json",
                      testing::with_key(config, "architectures", Json(Json::Array{"BertModel"})));
  testing::NamedTensors encoder;
  for (auto& [name, tensor] : testing::read_all_tensors("bert4L-vanilla")) {
    if (name.starts_with("bert."))
      encoder.emplace_back(old_layer_norm_name(name.substr(5)), std::move(tensor));
  }
  testing::write_safetensors(dir.path() / "model.safetensors", encoder);
  convert::convert_checkpoint(dir.path(), dir.path() / "headless.qtx", {});
  const auto model = load_qtx(dir.path() / "headless.qtx");
  EXPECT_EQ(model->config().head, fb::Head::None);
  const Executor executor(model, {});
  for (const auto& c : testing::read_golden("bert4L-vanilla").cases) {
    SCOPED_TRACE(c.name);
    const Tensor hidden = executor.run({c.input_ids, c.attention_mask}, nullptr).at(0);
    ASSERT_EQ(hidden.shape(), c.hidden.shape());
    const int64_t batch = hidden.dim(0), seq = hidden.dim(1), width = hidden.dim(2);
    Tensor pooled(DType::F32, {batch, width});
    Tensor normalized(DType::F32, {batch, width});
    for (int64_t b = 0; b < batch; ++b) {
      double count = 0.0, norm = 0.0;
      float* row = pooled.data<float>() + b * width;
      for (int64_t s = 0; s < seq; ++s) {
        if (c.attention_mask.data<int32_t>()[b * seq + s] == 0) continue;
        count += 1.0;
        for (int64_t h = 0; h < width; ++h)
          row[h] += hidden.data<float>()[(b * seq + s) * width + h];
      }
      for (int64_t h = 0; h < width; ++h) {
        row[h] = static_cast<float>(row[h] / count);
        norm += static_cast<double>(row[h]) * row[h];
      }
      for (int64_t h = 0; h < width; ++h) {
        normalized.data<float>()[b * width + h] = static_cast<float>(row[h] / std::sqrt(norm));
      }
    }
    Tensor ones(DType::I32, {batch});  // every pooled row is compared
    std::fill_n(ones.data<int32_t>(), batch, 1);
    EXPECT_LE(testing::masked_relative_error(pooled, c.mean_pooled, ones), 1e-4);
    EXPECT_LE(testing::masked_relative_error(normalized, c.normalized, ones), 1e-4);
  }
}

}  // namespace
}  // namespace qtx
