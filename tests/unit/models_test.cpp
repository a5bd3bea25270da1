// Graph construction from the shared checkpoints (models/, converter/convert.h): structure,
// the attention variants' attributes and stacked gate tensors, float16 storage, and the
// errors a user gets for unsupported or broken checkpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "converter/checkpoint.h"
#include "converter/convert.h"
#include "qtx/error.h"
#include "tests/golden/checkpoint_fixture.h"

namespace qtx {
namespace {

using testing::shared_model_dir;

// A C string, not a std::string: g++ 13's -Wdangling-reference flags any reference returned
// from a call that took a temporary object.
const fb::NodeT& node_named(const ModelDef& model, const char* name) {
  for (const auto& node : model.graph().nodes) {
    if (node->name == name) return *node;
  }
  throw std::runtime_error(std::string("no node ") + name);
}

const Tensor& constant_input(const ModelDef& model, const fb::NodeT& node, size_t i) {
  return model.constants.at(static_cast<size_t>(node.inputs.at(i)));
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Models, BertMaskedLmGraph) {
  const ModelDef m = convert::build_model(shared_model_dir("bert4L-vanilla"), {});
  EXPECT_EQ(m.config().architecture, "BertForMaskedLM");
  EXPECT_EQ(m.config().head, fb::Head::MaskedLM);
  EXPECT_EQ(m.config().num_layers, 4);
  EXPECT_EQ(m.config().max_positions, 512);
  EXPECT_EQ(m.desc.recipe->name, "float32");
  // embeddings (2) + 4 layers x (3 qkv + attention + out + add + norm + 2 ffn + add + norm)
  // + MLM head (transform, norm, decoder).
  EXPECT_EQ(m.graph().nodes.size(), 2u + 4u * 11u + 3u);
  ASSERT_EQ(m.graph().outputs.size(), 2u);
  EXPECT_EQ(m.graph().tensors[static_cast<size_t>(m.graph().outputs[0])]->name, "logits");
  // The decoder is tied: the logits read the word embedding table itself.
  const auto& logits = node_named(m, "logits");
  EXPECT_EQ(m.graph().tensors[static_cast<size_t>(logits.inputs[1])]->name,
            "bert.embeddings.word_embeddings.weight");
  EXPECT_EQ(constant_input(m, logits, 2).shape(), (Shape{30522}));
  const auto* attention = node_named(m, "layer.0.context").op.AsAttentionAttrs();
  ASSERT_NE(attention, nullptr);
  EXPECT_EQ(attention->num_heads, 3);
  EXPECT_FALSE(attention->causal);
  EXPECT_FLOAT_EQ(attention->scale, 1.0f / 8.0f);
  EXPECT_EQ(attention->gate, fb::GateKind::None);
  EXPECT_FLOAT_EQ(node_named(m, "layer.0.attention.norm").op.AsLayerNormAttrs()->epsilon, 1e-12f);
  EXPECT_EQ(node_named(m, "layer.0.intermediate").op.AsLinearAttrs()->activation,
            fb::Activation::Gelu);
}

TEST(Models, BertClippedSoftmaxFromConfigAndOverride) {
  const ModelDef m = convert::build_model(shared_model_dir("bert4L-clipped"), {});
  const auto* attention = node_named(m, "layer.3.context").op.AsAttentionAttrs();
  EXPECT_EQ(attention->softmax, fb::SoftmaxKind::Clipped);
  EXPECT_FLOAT_EQ(attention->gamma, -0.025f);
  EXPECT_FLOAT_EQ(attention->zeta, 1.0f);
  EXPECT_EQ(m.config().softmax, fb::SoftmaxKind::Clipped);
  convert::ConvertOptions options;
  options.softmax = "vanilla";
  const ModelDef plain = convert::build_model(shared_model_dir("bert4L-clipped"), options);
  EXPECT_EQ(node_named(plain, "layer.3.context").op.AsAttentionAttrs()->softmax,
            fb::SoftmaxKind::Vanilla);
  options.softmax = "clipped(0.5:0.1)";
  EXPECT_NE(error_of([&] {
              convert::build_model(shared_model_dir("bert4L-vanilla"), options);
            }).find("gamma < zeta"),
            std::string::npos);
}

TEST(Models, BertGatedMlpStacksPerHeadTensors) {
  const ModelDef m = convert::build_model(shared_model_dir("bert4L-gated"), {});
  EXPECT_EQ(m.config().gate, fb::GateKind::Mlp);
  const auto& node = node_named(m, "layer.1.context");
  EXPECT_EQ(node.op.AsAttentionAttrs()->gate, fb::GateKind::Mlp);
  ASSERT_EQ(node.inputs.size(), 9u);
  // The gate input is the tensor that feeds q/k/v (the layer's input).
  EXPECT_EQ(node.inputs[4], node_named(m, "layer.1.query").inputs[0]);
  EXPECT_EQ(constant_input(m, node, 5).shape(), (Shape{3, 16, 64}));
  EXPECT_EQ(constant_input(m, node, 6).shape(), (Shape{3, 16}));
  EXPECT_EQ(constant_input(m, node, 7).shape(), (Shape{3, 16}));
  EXPECT_EQ(constant_input(m, node, 8).shape(), (Shape{3}));
  // Head 2's second-layer bias lands at index 2 of the stacked b2.
  const auto checkpoint = convert::Checkpoint::open(shared_model_dir("bert4L-gated"));
  const Tensor b2 = checkpoint.load_f32("bert.encoder.layer.1.attention.self.alpha.2.2.bias");
  EXPECT_EQ(constant_input(m, node, 8).data<float>()[2], b2.data<float>()[0]);
  const Tensor w1 = checkpoint.load_f32("bert.encoder.layer.1.attention.self.alpha.1.0.weight");
  EXPECT_EQ(constant_input(m, node, 5).data<float>()[16 * 64 + 5], w1.data<float>()[5]);
}

TEST(Models, OptCausalLmGraph) {
  const ModelDef m = convert::build_model(shared_model_dir("opt4L-gated"), {});
  EXPECT_EQ(m.config().family, fb::Family::Opt);
  EXPECT_EQ(m.config().head, fb::Head::CausalLM);
  EXPECT_EQ(m.config().max_positions, 2048);
  const auto* embedding = node_named(m, "embeddings").op.AsEmbeddingAttrs();
  EXPECT_EQ(embedding->positions, fb::PositionMode::FromMask);
  EXPECT_EQ(embedding->position_offset, 2);
  const auto& attention = node_named(m, "layer.0.context");
  EXPECT_TRUE(attention.op.AsAttentionAttrs()->causal);
  EXPECT_EQ(attention.op.AsAttentionAttrs()->gate, fb::GateKind::Linear);
  ASSERT_EQ(attention.inputs.size(), 7u);
  // Pre-LN: the gate sees the normalised input, the same tensor that feeds q/k/v.
  EXPECT_EQ(attention.inputs[4], node_named(m, "layer.0.attention.norm").outputs[0]);
  EXPECT_EQ(constant_input(m, attention, 5).shape(), (Shape{3, 64}));
  EXPECT_EQ(constant_input(m, attention, 6).shape(), (Shape{3}));
  EXPECT_EQ(node_named(m, "layer.0.fc1").op.AsLinearAttrs()->activation, fb::Activation::Relu);
  const auto& logits = node_named(m, "logits");
  EXPECT_EQ(m.graph().tensors[static_cast<size_t>(logits.inputs[1])]->name,
            "model.decoder.embed_tokens.weight");
  EXPECT_EQ(logits.inputs[2], -1);
}

TEST(Models, Float16StoresLargeMatricesOnly) {
  convert::ConvertOptions options;
  options.dtype = DType::F16;
  const ModelDef m = convert::build_model(shared_model_dir("opt4L-vanilla"), options);
  EXPECT_EQ(m.desc.recipe->name, "float16");
  const auto& fc1 = node_named(m, "layer.2.fc1");
  EXPECT_EQ(constant_input(m, fc1, 1).dtype(), DType::F16);
  EXPECT_EQ(constant_input(m, fc1, 2).dtype(), DType::F32);
  const auto& norm = node_named(m, "final_norm");
  EXPECT_EQ(constant_input(m, norm, 1).dtype(), DType::F32);
  const auto& embedding = node_named(m, "embeddings");
  EXPECT_EQ(constant_input(m, embedding, 2).dtype(), DType::F16);
  EXPECT_EQ(constant_input(m, embedding, 3).dtype(), DType::F16);
  EXPECT_EQ(m.graph().tensors[static_cast<size_t>(embedding.inputs[2])]->dtype, DType::F16);
}

// A copy of `model`'s directory whose config.json has `key` set to `value`.
void copy_with_config(const std::string& model, const std::filesystem::path& dir,
                      const std::string& key, Json value) {
  for (const auto& entry : std::filesystem::directory_iterator(shared_model_dir(model))) {
    std::filesystem::copy_file(entry.path(), dir / entry.path().filename());
  }
  const Json config = testing::read_json(dir / "config.json");
  testing::write_json(dir / "config.json", testing::with_key(config, key, std::move(value)));
}

TEST(ModelErrors, UnknownArchitectureIsNamed) {
  testing::TempDir dir("arch");
  copy_with_config("bert4L-vanilla", dir.path(), "architectures",
                   Json(Json::Array{Json("GPT2LMHeadModel")}));
  try {
    convert::build_model(dir.path(), {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    const std::string message = e.what();
    EXPECT_NE(message.find("unsupported architecture 'GPT2LMHeadModel'"), std::string::npos);
    EXPECT_NE(message.find("BertForMaskedLM"), std::string::npos);
    EXPECT_NE(message.find("OPTForCausalLM"), std::string::npos);
  }
}

TEST(ModelErrors, UnknownArchitectureIsNamedBeforeWeightsAreRead) {
  // A directory holding only a config.json: the architecture, not the missing weights, is
  // what the user must hear about.
  testing::TempDir dir("arch-only");
  std::ofstream(dir.path() / "config.json")
      << R"({"architectures": ["T5ForConditionalGeneration"], "model_type": "t5"})";
  const std::string message = error_of([&] { convert::build_model(dir.path(), {}); });
  EXPECT_NE(message.find("unsupported architecture 'T5ForConditionalGeneration'"),
            std::string::npos)
      << message;
}

TEST(ModelErrors, UnsupportedSettingsAreNamed) {
  testing::TempDir act("act");
  copy_with_config("bert4L-vanilla", act.path(), "hidden_act", Json("swish"));
  EXPECT_NE(error_of([&] { convert::build_model(act.path(), {}); }).find("'swish'"),
            std::string::npos);
  testing::TempDir post_ln("postln");
  copy_with_config("opt4L-vanilla", post_ln.path(), "do_layer_norm_before", Json(false));
  EXPECT_NE(
      error_of([&] { convert::build_model(post_ln.path(), {}); }).find("do_layer_norm_before"),
      std::string::npos);
  testing::TempDir huge("huge");
  copy_with_config("opt4L-vanilla", huge.path(), "vocab_size", Json(int64_t{1} << 40));
  EXPECT_NE(error_of([&] { convert::build_model(huge.path(), {}); }).find("'vocab_size'"),
            std::string::npos);
}

TEST(ModelErrors, EveryMissingOrIllShapedTensorInOneError) {
  testing::TempDir dir("broken");
  testing::copy_side_files("bert4L-vanilla", dir.path());
  testing::NamedTensors kept;
  for (auto& [name, tensor] : testing::read_all_tensors("bert4L-vanilla")) {
    if (name == "bert.encoder.layer.2.attention.self.key.weight") continue;
    if (name == "cls.predictions.transform.dense.bias") continue;
    if (name == "bert.encoder.layer.1.intermediate.dense.weight") {
      kept.emplace_back(name, tensor.reshaped({384, 384}));
      continue;
    }
    kept.emplace_back(name, std::move(tensor));
  }
  testing::write_safetensors(dir.path() / "model.safetensors", kept);
  const std::string message = error_of([&] { convert::build_model(dir.path(), {}); });
  EXPECT_NE(message.find("3 tensor(s) missing or ill-shaped"), std::string::npos) << message;
  EXPECT_NE(message.find("bert.encoder.layer.2.attention.self.key.weight: expected shape "
                         "[192, 192], missing"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("cls.predictions.transform.dense.bias: expected shape [192], missing"),
            std::string::npos);
  EXPECT_NE(message.find("bert.encoder.layer.1.intermediate.dense.weight: expected shape "
                         "[768, 192], found [384, 384]"),
            std::string::npos);
}

}  // namespace
}  // namespace qtx
