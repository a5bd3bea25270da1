// The Embedding with int8 tables (the word table an int8 LM head shares, and the position and
// token-type tables of a quantized file, converter/quantize.h): its output equals the float
// lookup of the dequantized tables (value = code * scale, qtx.fbs QuantParams) exactly, on both
// backends, with per-row and per-tensor scales; the op and the loader refuse int8 tables whose
// scales do not fit.
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

// The shapes of testing_model's config: vocabulary 8, hidden 4, 16 positions, 2 token types.
constexpr int64_t kVocab = 8, kHidden = 4, kPositions = 16, kTypes = 2;
constexpr size_t kWordTable = 2, kPositionTable = 3, kTypeTable = 4;

// Codes covering the whole symmetric range, both ends included.
Tensor codes(int64_t rows, int seed) {
  Tensor t(DType::I8, {rows, kHidden});
  for (int64_t i = 0; i < t.numel(); ++i) {
    t.data<int8_t>()[i] = static_cast<int8_t>((i * 37 + seed) % 255 - 127);
  }
  return t;
}

// Per-row scales spread over several decades, or one scale.
std::unique_ptr<fb::QuantParamsT> scales(int64_t rows, bool per_row) {
  const float spread[] = {0.011f, 0.3f, 0.0007f, 1.5f, 0.02f, 0.09f, 2e-5f, 0.4f};
  auto q = std::make_unique<fb::QuantParamsT>();
  q->axis = per_row ? 0 : -1;
  for (int64_t r = 0; r < (per_row ? rows : 1); ++r) {
    q->scales.push_back(per_row ? spread[r % 8] * (1.0f + 0.1f * static_cast<float>(r / 8))
                                : 0.0123f);
  }
  return q;
}

// The contract's decoding of the codes, computed here independently of the engine.
Tensor dequantized(const Tensor& codes, const fb::QuantParamsT& q) {
  Tensor t(DType::F32, codes.shape());
  for (int64_t r = 0; r < codes.dim(0); ++r) {
    const float scale = q.scales.size() == 1 ? q.scales[0] : q.scales[static_cast<size_t>(r)];
    for (int64_t c = 0; c < kHidden; ++c) {
      t.data<float>()[r * kHidden + c] =
          static_cast<float>(codes.data<int8_t>()[r * kHidden + c]) * scale;
    }
  }
  return t;
}

// One table as the model holds it: a tensor and, when it is int8, its scales.
struct Table {
  Tensor values;
  std::unique_ptr<fb::QuantParamsT> quant;
};

Table int8_table(int64_t rows, int seed, bool per_row) {
  return {codes(rows, seed), scales(rows, per_row)};
}

Table float_of(const Table& table) {
  return {dequantized(table.values, *table.quant), nullptr};
}

// ids -> Embedding(word, position, token type) -> output, with testing_model's config.
std::shared_ptr<ModelDef> embedding_model(Table word, Table pos, Table types) {
  auto model = std::make_shared<ModelDef>();
  testing_model::set_config_and_tokenizer(model->desc);
  GraphBuilder g(*model);
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  int tables[3];
  const char* names[] = {"word", "pos", "types"};
  Table* sources[] = {&word, &pos, &types};
  for (size_t i = 0; i < 3; ++i) {
    tables[i] = g.constant(names[i], std::move(sources[i]->values));
    model->desc.graph->tensors[static_cast<size_t>(tables[i])]->quant =
        std::move(sources[i]->quant);
  }
  g.output(g.node("emb", fb::EmbeddingAttrsT{}, {ids, mask, tables[0], tables[1], tables[2], -1}));
  return model;
}

Table float_positions() {
  return {testing_model::ramp<float>({kPositions, kHidden}, 0.5, -0.01), nullptr};
}
Table float_types() {
  return {testing_model::ramp<float>({kTypes, kHidden}, -0.2, 0.03), nullptr};
}

// The model with an int8 word table per row and float position and token-type tables.
std::shared_ptr<ModelDef> int8_word_model() {
  return embedding_model(int8_table(kVocab, 0, true), float_positions(), float_types());
}

// Two sequences over every id, the second right-padded.
RunInputs two_sequences() {
  return {int_tensor({2, 5}, {0, 7, 3, 3, 1, 6, 5, 4, 2, 2}),
          int_tensor({2, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0})};
}

// Which tables are int8 (each per row or per tensor) in the model compared with its float
// twin.
struct Int8Tables {
  bool word = false, pos = false, types = false;
  bool per_row = true;
};

void expect_int8_equals_dequantized_float(const Int8Tables& which) {
  const auto table = [&](bool int8, int64_t rows, int seed, Table float_table) {
    return int8 ? int8_table(rows, seed, which.per_row) : std::move(float_table);
  };
  const auto make = [&](bool dequantize) {
    Table word = table(which.word, kVocab, 0, float_of(int8_table(kVocab, 0, true)));
    Table pos = table(which.pos, kPositions, 5, float_positions());
    Table types = table(which.types, kTypes, 11, float_types());
    for (Table* t : {&word, &pos, &types}) {
      if (dequantize && t->quant) *t = float_of(*t);
    }
    return embedding_model(std::move(word), std::move(pos), std::move(types));
  };
  const auto int8_model = make(false);
  const auto float_model = make(true);
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
  expect_int8_equals_dequantized_float({.word = true, .per_row = true});
}

TEST(EmbeddingInt8, PerTensorTableEqualsTheFloatLookupOfItsDequantizedTable) {
  expect_int8_equals_dequantized_float({.word = true, .per_row = false});
}

TEST(EmbeddingInt8, Int8PositionAndTokenTypeTablesEqualTheirDequantizedTables) {
  expect_int8_equals_dequantized_float({.pos = true, .per_row = true});
  expect_int8_equals_dequantized_float({.types = true, .per_row = false});
  expect_int8_equals_dequantized_float({.word = true, .pos = true, .types = true, .per_row = true});
}

// The op's error for an int8 word (or, with `position`, position) table with these scales.
std::string op_error(const fb::QuantParamsT* quant, bool position = false) {
  const std::string node = "emb";
  const ops::OpContext ctx{node};
  const Tensor word =
      position ? dequantized(codes(kVocab, 0), *scales(kVocab, true)) : codes(kVocab, 0);
  const Tensor pos = position ? codes(kPositions, 5)
                              : testing_model::ramp<float>({kPositions, kHidden}, 0.5, -0.01);
  const RunInputs inputs = two_sequences();
  try {
    ops::embedding(ctx, {},
                   {inputs.input_ids, inputs.attention_mask, word, pos, nullptr, nullptr,
                    position ? nullptr : quant, position ? quant : nullptr});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(EmbeddingInt8, OpRefusesScalesThatDoNotFitTheTable) {
  EXPECT_THAT(op_error(nullptr), HasSubstr("'emb'"));
  EXPECT_THAT(op_error(nullptr), HasSubstr("int8 word table has no quantization scales"));
  auto three = scales(kVocab, true);
  three->scales.resize(3);
  EXPECT_THAT(op_error(three.get()),
              HasSubstr("int8 word table has 3 scales along axis 0, expected 1 or 8"));
  auto per_column = scales(kVocab, true);
  per_column->axis = 1;
  EXPECT_THAT(op_error(per_column.get()), HasSubstr("8 scales along axis 1, expected 1 or 8"));
  auto asymmetric = scales(kVocab, false);
  asymmetric->zero_points = {3};
  EXPECT_THAT(op_error(asymmetric.get()), HasSubstr("int8 word table is not symmetric"));
  EXPECT_THAT(op_error(nullptr, true), HasSubstr("int8 position table has no quantization scales"));
  auto eight = scales(kVocab, true);
  EXPECT_THAT(op_error(eight.get(), true),
              HasSubstr("int8 position table has 8 scales along axis 0, expected 1 or 16"));
}

// Writes the int8 model, lets `mutate` break its description, and returns the loader's error.
std::string load_error(const std::function<void(fb::ModelT&)>& mutate) {
  ScratchDir dir;
  convert::write_qtx(*int8_word_model(), dir / "good.qtx");
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
  const auto written =
      embedding_model(int8_table(kVocab, 0, true), int8_table(kPositions, 5, true), float_types());
  convert::write_qtx(*written, dir / "int8.qtx");
  const auto loaded = load_qtx(dir / "int8.qtx");
  const RunInputs inputs = two_sequences();
  for (size_t table : {kWordTable, kPositionTable}) {
    EXPECT_TRUE(loaded->constants[table].is_view()) << table;
    EXPECT_EQ(loaded->constants[table].dtype(), DType::I8) << table;
  }
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

TEST(EmbeddingInt8, LoaderRefusesPositionAndTokenTypeTablesThatDoNotFit) {
  auto make_int8 = [](fb::TensorT& t, int64_t rows, std::unique_ptr<fb::QuantParamsT> quant) {
    t.dtype = fb::DType::I8;
    t.data_size = static_cast<uint64_t>(rows * kHidden);
    t.quant = std::move(quant);
  };
  EXPECT_THAT(load_error([&](auto& d) {
                make_int8(tensor(d, kPositionTable), kPositions, scales(kVocab, true));
              }),
              HasSubstr("tensor 'pos': 8 quantization scales along axis 0 of shape [16, 4]"));
  EXPECT_THAT(load_error([&](auto& d) { make_int8(tensor(d, kTypeTable), kTypes, nullptr); }),
              HasSubstr("tensor 'types': int8 constant has no quantization scales"));
  EXPECT_THAT(load_error([](auto& d) {
                fb::TensorT& pos = tensor(d, kPositionTable);
                pos.dtype = fb::DType::I32;
                pos.data_size = static_cast<uint64_t>(kPositions * kHidden * 4);
              }),
              HasSubstr("node 'emb' (EmbeddingAttrs) input 3 ('pos') is I32, expected a float or "
                        "int8 constant table"));
}

}  // namespace
}  // namespace qtx
