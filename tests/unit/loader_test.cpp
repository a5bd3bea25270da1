// load_qtx: a written model comes back field for field and byte for byte, constants as views
// into the file; each semantic check refuses its defect with a message naming the culprit.
#include "engine/format/qtx_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <utility>

#include "converter/qtx_writer.h"
#include "qtx/error.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;
using testing_model::make_test_model;
using testing_model::ScratchDir;

// The FlatBuffer of a description: equal bytes mean every field is equal.
std::vector<uint8_t> packed(const fb::ModelT& desc) {
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &desc));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

TEST(Loader, RoundTripsEveryFieldAndByte) {
  ScratchDir dir;
  const ModelDef original = make_test_model();
  convert::write_qtx(original, dir / "m.qtx");
  const auto loaded = load_qtx(dir / "m.qtx");

  EXPECT_EQ(loaded->desc.producer, "qtx 0.1.0");
  EXPECT_EQ(loaded->config().architecture, "BertForMaskedLM");
  EXPECT_EQ(loaded->config().softmax, fb::SoftmaxKind::Clipped);
  EXPECT_FLOAT_EQ(loaded->config().softmax_gamma, -0.025f);
  EXPECT_EQ(loaded->desc.tokenizer->vocab.back(), "##c");
  EXPECT_EQ(loaded->desc.tokenizer->mask_id, 4);
  ASSERT_NE(loaded->desc.tokenizer->model.AsWordPiece(), nullptr);
  EXPECT_EQ(loaded->desc.tokenizer->model.AsWordPiece()->max_input_chars_per_word, 50);
  EXPECT_EQ(loaded->desc.recipe->weights, fb::DType::I8);
  const auto& nodes = loaded->graph().nodes;
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0]->op.AsEmbeddingAttrs()->position_offset, 2);
  EXPECT_FLOAT_EQ(nodes[1]->op.AsLayerNormAttrs()->epsilon, 1e-12f);
  EXPECT_EQ(nodes[2]->op.AsLinearAttrs()->activation, fb::Activation::Gelu);
  EXPECT_EQ(nodes[2]->inputs, (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(loaded->graph().inputs, (std::vector<int>{0, 1}));

  // Everything else, at once: the original with the writer's producer and data offsets
  // packs to the same bytes as what was loaded.
  fb::ModelT expected = original.desc;
  expected.producer = loaded->desc.producer;
  ASSERT_EQ(expected.graph->tensors.size(), loaded->graph().tensors.size());
  for (size_t i = 0; i < expected.graph->tensors.size(); ++i) {
    expected.graph->tensors[i]->data_offset = loaded->graph().tensors[i]->data_offset;
    expected.graph->tensors[i]->data_size = loaded->graph().tensors[i]->data_size;
  }
  EXPECT_EQ(packed(expected), packed(loaded->desc));

  ASSERT_EQ(loaded->constants.size(), original.constants.size());
  for (size_t i = 0; i < original.constants.size(); ++i) {
    const Tensor& want = original.constants[i];
    const Tensor& got = loaded->constants[i];
    ASSERT_EQ(got.empty(), want.empty()) << i;
    if (want.empty()) continue;
    EXPECT_TRUE(got.is_view());
    EXPECT_EQ(got.dtype(), want.dtype());
    EXPECT_EQ(got.shape(), want.shape());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(got.raw()) % 64, 0u);
    EXPECT_EQ(std::memcmp(got.raw(), want.raw(), want.nbytes()), 0) << i;
  }
  const auto& scales = loaded->graph().tensors[8]->quant->scales;
  EXPECT_EQ(scales, (std::vector<float>{0.5f, 0.25f, 0.125f, 2.0f}));
}

TEST(Loader, ConstantsOutliveTheFileAndTheModel) {
  ScratchDir dir;
  convert::write_qtx(make_test_model(), dir / "m.qtx");
  Tensor word;
  {
    const auto loaded = load_qtx(dir / "m.qtx");
    word = loaded->constants[2];
  }
  std::filesystem::remove(dir / "m.qtx");
  EXPECT_FLOAT_EQ(std::as_const(word).data<float>()[31], -1.0f + 31 * 0.0625f);
}

// Writes `model` after `mutate` without the writer's checks, loads it, returns the error.
std::string load_error(const std::function<void(fb::ModelT&)>& mutate,
                       ErrorCode expected_code = ErrorCode::kInvalidFile) {
  ScratchDir dir;
  ModelDef model = make_test_model();
  convert::write_qtx(model, dir / "good.qtx");
  auto desc = load_qtx(dir / "good.qtx")->desc;
  mutate(desc);
  const auto bytes = testing_model::raw_qtx_bytes(desc, 1024);
  testing_model::write_bytes(dir / "bad.qtx", bytes);
  try {
    load_qtx(dir / "bad.qtx");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected_code) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("bad.qtx: "));
    return e.what();
  }
  ADD_FAILURE() << "the defect was not detected";
  return "";
}

fb::TensorT& tensor(fb::ModelT& d, size_t i) {
  return *d.graph->tensors[i];
}

TEST(Loader, RefusesTensorTableDefects) {
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 3).name = "embeddings.word"; }),
              HasSubstr("tensor 'embeddings.word' is defined twice"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 3).name = ""; }), HasSubstr("#3 has no name"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).dtype = static_cast<fb::DType>(42); },
                         ErrorCode::kUnsupported),
              HasSubstr("'embeddings.word': unknown dtype code 42"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).data_offset = 4096; }),
              HasSubstr("tensor 'embeddings.word': data [offset 4096, size 128] runs past the "
                        "end of the data section (size 1024)"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).data_offset = 8; }),
              HasSubstr("not 64-byte aligned"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).data_size = 64; }),
              HasSubstr("does not hold shape [8, 4] of float32 (128 bytes)"));
  EXPECT_THAT(load_error([](auto& d) {
                tensor(d, 2).shape = {1LL << 40, 1LL << 40};
              }),
              HasSubstr("overflows 64 bits"));
  EXPECT_THAT(load_error([](auto& d) {
                tensor(d, 2).shape = {-8, -4};
              }),
              HasSubstr("negative dimension"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).shape = {1LL << 40}; }),
              HasSubstr("does not hold shape [1099511627776]"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 2).shape.assign(9, 1); }),
              HasSubstr("rank 9 exceeds 8"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 4).data_size = 64; }),
              HasSubstr("tensor 'embeddings' is not a constant but has data"));
}

TEST(Loader, RefusesQuantizationDefects) {
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 8).quant->axis = 2; }),
              HasSubstr("quantization axis 2 is outside"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 8).quant->scales.pop_back(); }),
              HasSubstr("3 quantization scales along axis 0 of shape [4, 4]"));
  EXPECT_THAT(load_error([](auto& d) {
                tensor(d, 8).quant->zero_points = {1, 2};
              }),
              HasSubstr("2 zero points for 4 scales"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 8).quant->scales[1] = NAN; }),
              HasSubstr("scale #1 is nan"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 8).quant->scales[3] = -1.0f; }),
              HasSubstr("scale #3"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, 8).quant->axis = -1; }),
              HasSubstr("per-tensor quantization needs exactly 1 scale"));
}

TEST(Loader, RefusesGraphDefects) {
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[1]->inputs[2] = 500; }),
              HasSubstr("node 'ln' (LayerNormAttrs) input 2 refers to tensor #500"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[1]->inputs[1] = -1; }),
              HasSubstr("node 'ln' (LayerNormAttrs) input 1 is required but absent"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[2]->inputs = {5}; }),
              HasSubstr("node 'linear' (LinearAttrs): 1 inputs, expected 2..5"));
  EXPECT_THAT(load_error([](auto& d) { std::swap(d.graph->nodes[1], d.graph->nodes[2]); }),
              HasSubstr("reads tensor 'ln' before any node produces it"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[3]->outputs = {4}; }),
              HasSubstr("writes tensor 'embeddings', which is a constant or already produced"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[3]->outputs = {2}; }),
              HasSubstr("writes tensor 'embeddings.word'"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->outputs = {}; }), HasSubstr("no outputs"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->outputs = {-3}; }),
              HasSubstr("graph output refers to tensor #-3"));
  EXPECT_THAT(load_error([](auto& d) {
                d.graph->inputs = {0, 0};
              }),
              HasSubstr("graph input writes tensor 'input_ids'"));
  EXPECT_THAT(load_error([](auto& d) { d.graph->nodes[1]->op.AsLayerNormAttrs()->epsilon = 0; }),
              HasSubstr("epsilon must be > 0"));
}

TEST(Loader, RefusesAttentionWithInconsistentGates) {
  auto attention = [](fb::GateKind gate, std::vector<int> inputs) {
    return [gate, inputs](fb::ModelT& d) {
      fb::AttentionAttrsT a;
      a.num_heads = 2;
      a.scale = 0.5f;
      a.gate = gate;
      d.graph->nodes[3]->op.Set(std::move(a));
      d.graph->nodes[3]->inputs = inputs;
    };
  };
  EXPECT_THAT(load_error(attention(fb::GateKind::None, {9, 9, 9, 1, -1, 2})),
              HasSubstr("gate inputs given but the gate is None"));
  EXPECT_THAT(load_error(attention(fb::GateKind::Linear, {9, 9, 9, 1, 9, 2, -1})),
              HasSubstr("input 6 is required but absent"));
  EXPECT_THAT(load_error(attention(fb::GateKind::Mlp, {9, 9, 9, 1, 9, 2, 3})),
              HasSubstr("7 inputs, expected 9..9"));
  EXPECT_THAT(load_error(attention(fb::GateKind::None, {9, 9, 9})),
              HasSubstr("3 inputs, expected 4..9"));
}

TEST(Loader, RefusesConfigDefects) {
  EXPECT_THAT(load_error([](auto& d) { d.config->num_heads = 3; }),
              HasSubstr("config.num_heads (3) does not divide config.hidden_size (4)"));
  EXPECT_THAT(load_error([](auto& d) { d.config->num_heads = 0; }),
              HasSubstr("config.num_heads is 0"));
  EXPECT_THAT(load_error([](auto& d) { d.config->hidden_size = -4; }),
              HasSubstr("config.hidden_size is -4"));
  EXPECT_THAT(load_error([](auto& d) { d.config->max_positions = 0; }),
              HasSubstr("config.max_positions is 0"));
  EXPECT_THAT(load_error([](auto& d) { d.config->vocab_size = 7; }),
              HasSubstr("tokenizer.vocab has 8 tokens, more than config.vocab_size (7)"));
  EXPECT_THAT(load_error([](auto& d) { d.tokenizer->mask_id = 8; }),
              HasSubstr("tokenizer.mask_id is 8"));
  EXPECT_THAT(load_error([](auto& d) { d.tokenizer->special_tokens.push_back(-2); }),
              HasSubstr("tokenizer.special_tokens entry is -2"));
  EXPECT_THAT(load_error([](auto& d) { d.config->softmax_zeta = -1.0f; }),
              HasSubstr("softmax_gamma must be below"));
  EXPECT_THAT(load_error([](auto& d) { d.config->family = static_cast<fb::Family>(9); },
                         ErrorCode::kUnsupported),
              HasSubstr("config.family: unknown value 9"));
  EXPECT_THAT(load_error([](auto& d) {
                fb::BytePairEncodingT bpe;
                bpe.merges = {"a b", "ab"};
                d.tokenizer->model.Set(std::move(bpe));
              }),
              HasSubstr("tokenizer merge #1 'ab'"));
}

}  // namespace
}  // namespace qtx
