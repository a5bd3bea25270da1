// The Embedding with an int8 word table (the table an int8 LM head shares, converter/
// quantize.h): its output equals the float lookup of the dequantized table (value = code *
// scale, qtx.fbs QuantParams) exactly, on both backends, with per-row and per-tensor scales;
// the op and the loader refuse int8 tables whose scales do not fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "converter/qtx_writer.h"
#include "engine/format/qtx_loader.h"
#include "engine/ops/embedding.h"
#include "engine/runtime/executor.h"
#include "qtx/error.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;
using testing::int_tensor;
using testing_model::ScratchDir;

// The shapes of testing_model's config: vocabulary 8, hidden 4, 16 positions.
constexpr int64_t kVocab = 8, kHidden = 4, kPositions = 16;
constexpr size_t kWordTable = 2, kPositionTable = 3;

// Codes covering the whole symmetric range, both ends included.
Tensor word_codes() {
  Tensor t(DType::I8, {kVocab, kHidden});
  for (int64_t i = 0; i < t.numel(); ++i) {
    t.data<int8_t>()[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  }
  return t;
}

std::unique_ptr<fb::QuantParamsT> word_scales(bool per_row) {
  auto q = std::make_unique<fb::QuantParamsT>();
  q->axis = per_row ? 0 : -1;
  q->scales = per_row ? std::vector<float>{0.011f, 0.3f, 0.0007f, 1.5f, 0.02f, 0.09f, 2e-5f, 0.4f}
                      : std::vector<float>{0.0123f};
  return q;
}

// The contract's decoding of the codes, computed here independently of the engine.
Tensor dequantized(const Tensor& codes, const fb::QuantParamsT& q) {
  Tensor t(DType::F32, codes.shape());
  for (int64_t r = 0; r < kVocab; ++r) {
    const float scale = q.scales.size() == 1 ? q.scales[0] : q.scales[static_cast<size_t>(r)];
    for (int64_t c = 0; c < kHidden; ++c) {
      t.data<float>()[r * kHidden + c] =
          static_cast<float>(codes.data<int8_t>()[r * kHidden + c]) * scale;
    }
  }
  return t;
}

// ids -> Embedding(word, position, token type) -> output, with testing_model's config.
std::shared_ptr<ModelDef> embedding_model(Tensor word, std::unique_ptr<fb::QuantParamsT> quant) {
  auto model = std::make_shared<ModelDef>();
  testing_model::set_config_and_tokenizer(model->desc);
  GraphBuilder g(*model);
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  const int table = g.constant("word", std::move(word));
  model->desc.graph->tensors[static_cast<size_t>(table)]->quant = std::move(quant);
  const int pos = g.constant("pos", testing_model::ramp<float>({kPositions, kHidden}, 0.5, -0.01));
  const int types = g.constant("types", testing_model::ramp<float>({2, kHidden}, -0.2, 0.03));
  g.output(g.node("emb", fb::EmbeddingAttrsT{}, {ids, mask, table, pos, types, -1}));
  return model;
}

// Two sequences over every id, the second right-padded.
RunInputs two_sequences() {
  return {int_tensor({2, 5}, {0, 7, 3, 3, 1, 6, 5, 4, 2, 2}),
          int_tensor({2, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0})};
}

void expect_int8_equals_dequantized_float(bool per_row) {
  const Tensor codes = word_codes();
  const auto quant = word_scales(per_row);
  const auto int8_model = embedding_model(codes, word_scales(per_row));
  const auto float_model = embedding_model(dequantized(codes, *quant), nullptr);
  const RunInputs inputs = two_sequences();
  for (Backend backend : {Backend::kReference, Backend::kCpu}) {
    const Tensor got = Executor(int8_model, {backend, 0}).run(inputs, nullptr)[0];
    const Tensor want = Executor(float_model, {backend, 0}).run(inputs, nullptr)[0];
    ASSERT_EQ(got.shape(), (Shape{2, 5, kHidden}));
    ASSERT_EQ(want.shape(), got.shape());
    for (int64_t i = 0; i < got.numel(); ++i) {
      ASSERT_EQ(got.data<float>()[i], want.data<float>()[i])
          << "element " << i << (backend == Backend::kCpu ? " (cpu)" : " (reference)");
    }
  }
}

TEST(EmbeddingInt8, PerRowTableEqualsTheFloatLookupOfItsDequantizedTable) {
  expect_int8_equals_dequantized_float(true);
}

TEST(EmbeddingInt8, PerTensorTableEqualsTheFloatLookupOfItsDequantizedTable) {
  expect_int8_equals_dequantized_float(false);
}

std::string op_error(const fb::QuantParamsT* quant) {
  const std::string node = "emb";
  const ops::OpContext ctx{node};
  const Tensor codes = word_codes();
  const Tensor pos = testing_model::ramp<float>({kPositions, kHidden}, 0.5, -0.01);
  const RunInputs inputs = two_sequences();
  try {
    ops::embedding(ctx, {},
                   {inputs.input_ids, inputs.attention_mask, codes, pos, nullptr, nullptr, quant});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(EmbeddingInt8, OpRefusesScalesThatDoNotFitTheTable) {
  EXPECT_THAT(op_error(nullptr), HasSubstr("'emb'"));
  EXPECT_THAT(op_error(nullptr), HasSubstr("int8 word table has no quantization scales"));
  auto three = word_scales(true);
  three->scales.resize(3);
  EXPECT_THAT(op_error(three.get()),
              HasSubstr("int8 word table has 3 scales along axis 0, expected 1 or 8"));
  auto per_column = word_scales(true);
  per_column->axis = 1;
  EXPECT_THAT(op_error(per_column.get()), HasSubstr("8 scales along axis 1, expected 1 or 8"));
  auto asymmetric = word_scales(false);
  asymmetric->zero_points = {3};
  EXPECT_THAT(op_error(asymmetric.get()), HasSubstr("int8 word table is not symmetric"));
}

// Writes the int8 model, lets `mutate` break its description, and returns the loader's error.
std::string load_error(const std::function<void(fb::ModelT&)>& mutate) {
  ScratchDir dir;
  convert::write_qtx(*embedding_model(word_codes(), word_scales(true)), dir / "good.qtx");
  auto desc = load_qtx(dir / "good.qtx")->desc;
  mutate(desc);
  testing_model::write_bytes(dir / "bad.qtx", testing_model::raw_qtx_bytes(desc, 1024));
  try {
    load_qtx(dir / "bad.qtx");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << e.what();
    return e.what();
  }
  return "no error";
}

fb::TensorT& tensor(fb::ModelT& desc, size_t i) {
  return *desc.graph->tensors[i];
}

TEST(EmbeddingInt8, LoadedTableIsUsedInPlace) {
  ScratchDir dir;
  const auto written = embedding_model(word_codes(), word_scales(true));
  convert::write_qtx(*written, dir / "int8.qtx");
  const auto loaded = load_qtx(dir / "int8.qtx");
  const RunInputs inputs = two_sequences();
  EXPECT_TRUE(loaded->constants[kWordTable].is_view());
  EXPECT_EQ(loaded->constants[kWordTable].dtype(), DType::I8);
  const Tensor got = Executor(loaded, {Backend::kCpu, 0}).run(inputs, nullptr)[0];
  const Tensor want = Executor(written, {Backend::kReference, 0}).run(inputs, nullptr)[0];
  testing::expect_close(got, want, 0.0);
}

TEST(EmbeddingInt8, LoaderRefusesTablesWhoseScalesDoNotFit) {
  EXPECT_THAT(load_error([](auto& d) { tensor(d, kWordTable).quant->scales.resize(3); }),
              HasSubstr("tensor 'word': 3 quantization scales along axis 0 of shape [8, 4]"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, kWordTable).quant->axis = -1; }),
              HasSubstr("tensor 'word': per-tensor quantization needs exactly 1 scale"));
  EXPECT_THAT(load_error([](auto& d) { tensor(d, kWordTable).quant.reset(); }),
              HasSubstr("tensor 'word': int8 constant has no quantization scales"));
  EXPECT_THAT(
      load_error([](auto& d) { tensor(d, kWordTable).quant->zero_points.assign(kVocab, 1); }),
      HasSubstr("tensor 'word': int8 weight has a non-zero zero point"));
}

TEST(EmbeddingInt8, LoaderRefusesAnInt8PositionTable) {
  EXPECT_THAT(load_error([](auto& d) {
                fb::TensorT& pos = tensor(d, kPositionTable);
                pos.dtype = fb::DType::I8;
                pos.data_size = static_cast<uint64_t>(kPositions * kHidden);
                pos.quant = word_scales(false);
              }),
              HasSubstr("node 'emb' (EmbeddingAttrs) input 3 ('pos') is I8, expected a float "
                        "table"));
}

}  // namespace
}  // namespace qtx
