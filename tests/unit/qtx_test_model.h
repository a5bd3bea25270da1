// Shared by the .qtx format, loader and corruption tests: a small but complete model (config,
// WordPiece tokenizer, recipe, Embedding -> LayerNorm -> Linear -> Add with constants of
// several dtypes and an odd byte size), a scratch directory per test, and a raw file writer
// that skips the writer's checks so tests can hand the loader invalid descriptions.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/format/file_header.h"
#include "engine/graph/graph_builder.h"
#include "engine/graph/model_def.h"

namespace qtx::testing_model {

// A fresh directory named after the running test, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("qtx_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A constant whose element i holds `first + i * step` (converted to T).
template <typename T>
Tensor ramp(Shape shape, double first, double step) {
  Tensor t(dtype_of<T>(), std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) {
    t.data<T>()[i] = static_cast<T>(first + static_cast<double>(i) * step);
  }
  return t;
}

// A float16 constant with distinct bytes (the format moves bytes; their meaning is irrelevant).
inline Tensor half_pattern(Shape shape) {
  Tensor t(DType::F16, std::move(shape));
  auto* bytes = static_cast<unsigned char*>(t.raw_mutable());
  for (size_t i = 0; i < t.nbytes(); ++i) bytes[i] = static_cast<unsigned char>(17 * i + 3);
  return t;
}

inline void set_config_and_tokenizer(fb::ModelT& desc) {
  desc.config = std::make_unique<fb::ConfigT>();
  auto& c = *desc.config;
  c.family = fb::Family::Bert;
  c.architecture = "BertForMaskedLM";
  c.head = fb::Head::MaskedLM;
  c.vocab_size = 8;
  c.hidden_size = 4;
  c.num_layers = 1;
  c.num_heads = 2;
  c.intermediate_size = 8;
  c.max_positions = 16;
  c.softmax = fb::SoftmaxKind::Clipped;
  c.softmax_gamma = -0.025f;
  c.softmax_zeta = 1.0f;
  c.labels = {"negative", "positive"};

  desc.tokenizer = std::make_unique<fb::TokenizerT>();
  auto& t = *desc.tokenizer;
  t.vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##c"};
  fb::WordPieceT wordpiece;
  wordpiece.continuing_subword_prefix = "##";
  wordpiece.max_input_chars_per_word = 50;
  t.model.Set(std::move(wordpiece));
  t.special_tokens = {0, 1, 2, 3, 4};
  t.pad_id = 0;
  t.unk_id = 1;
  t.cls_id = 2;
  t.sep_id = 3;
  t.mask_id = 4;

  desc.recipe = std::make_unique<fb::QuantRecipeT>();
  desc.recipe->name = "w8-test";
  desc.recipe->weights = fb::DType::I8;
  desc.recipe->description = "a test recipe";
}

inline ModelDef make_test_model() {
  ModelDef model;
  set_config_and_tokenizer(model.desc);
  GraphBuilder g(model);
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  const int word = g.constant("embeddings.word", ramp<float>({8, 4}, -1.0, 0.0625));
  const int pos = g.constant("embeddings.position", ramp<float>({16, 4}, 0.5, -0.01));
  fb::EmbeddingAttrsT emb_attrs;
  emb_attrs.position_offset = 2;
  const int emb = g.node("embeddings", emb_attrs, {ids, mask, word, pos, -1, -1});
  const int gamma = g.constant("ln.gamma", ramp<float>({4}, 1.0, 0.5));
  const int beta = g.constant("ln.beta", ramp<float>({4}, 0.0, -0.25));
  fb::LayerNormAttrsT ln_attrs;
  ln_attrs.epsilon = 1e-12f;
  const int ln = g.node("ln", ln_attrs, {emb, gamma, beta});
  const int weight = g.constant("linear.weight", ramp<int8_t>({4, 4}, -100, 13));
  const int bias = g.constant("linear.bias", ramp<int32_t>({4}, -7, 5));
  auto& wq = model.desc.graph->tensors[static_cast<size_t>(weight)]->quant;
  wq = std::make_unique<fb::QuantParamsT>();
  wq->axis = 0;
  wq->scales = {0.5f, 0.25f, 0.125f, 2.0f};
  fb::LinearAttrsT lin_attrs;
  lin_attrs.activation = fb::Activation::Gelu;
  const int lin = g.node("linear", lin_attrs, {ln, weight, bias});
  // A constant no node reads, of 3 bytes: the next constant must still start 64-aligned.
  g.constant("odd.bytes", ramp<uint8_t>({3}, 1, 100));
  g.constant("half.table", half_pattern({2, 5}));
  const int sum = g.node("residual", fb::AddAttrsT{}, {lin, ln});
  g.output(sum);
  return model;
}

// The bytes of a .qtx file holding `desc` and a zero-filled data section of `data_size`
// bytes, written without the writer's checks; `version` goes into the header as is.
inline std::vector<std::byte> raw_qtx_bytes(const fb::ModelT& desc, uint64_t data_size,
                                            uint32_t version = format::kFormatVersion) {
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &desc));
  format::FileHeader header;
  header.format_version = version;
  header.flatbuffer_offset = static_cast<uint32_t>(format::kHeaderSize);
  header.flatbuffer_size = builder.GetSize();
  header.data_offset =
      format::align_up(format::kHeaderSize + builder.GetSize(), format::kDataAlignment);
  header.data_size = data_size;
  std::vector<std::byte> bytes(header.data_offset + data_size);
  const auto head = format::encode_header(header);
  std::memcpy(bytes.data(), head.data(), head.size());
  std::memcpy(bytes.data() + format::kHeaderSize, builder.GetBufferPointer(), builder.GetSize());
  return bytes;
}

}  // namespace qtx::testing_model
