#include "engine/ops/embedding.h"

#include <vector>

#include "engine/cpu/embedding.h"

namespace qtx::ops {
namespace {

void expect_ids(const OpContext& ctx, const char* what, const Tensor& t, const Shape& shape) {
  if (t.dtype() != DType::I32 || t.shape() != shape) {
    fail(ctx, ErrorCode::kInvalidArgument,
         std::string(what) + " is " + std::string(dtype_name(t.dtype())) + " " +
             shape_string(t.shape()) + ", expected int32 " + shape_string(shape));
  }
}

// Every value of `values` lies in [0, limit).
void check_range(const OpContext& ctx, const char* what, const int32_t* values, int64_t n,
                 int64_t limit) {
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] < 0 || values[i] >= limit) {
      fail(ctx, ErrorCode::kInvalidArgument,
           std::string(what) + " " + std::to_string(values[i]) + " is outside [0, " +
               std::to_string(limit) + ")");
    }
  }
}

void check_positions(const OpContext& ctx, const std::vector<int64_t>& positions, int64_t limit) {
  for (int64_t p : positions) {
    if (p < 0 || p >= limit) {
      fail(ctx, ErrorCode::kInvalidArgument,
           "position " + std::to_string(p) + " is outside the position table of " +
               std::to_string(limit) + " entries");
    }
  }
}

// The int8 word table as the kernel reads it; its scales must be symmetric, one per row
// (axis 0) or one for all, as the loader also requires.
cpu::Int8Weight int8_word_table(const OpContext& ctx, const Tensor& word,
                                const fb::QuantParamsT* quant) {
  if (word.rank() != 2 || word.dim(0) < 1 || word.dim(1) < 1) {
    fail(ctx, ErrorCode::kInvalidFile,
         "int8 word table has shape " + shape_string(word.shape()) + ", expected [vocab, hidden]");
  }
  if (!quant) fail(ctx, ErrorCode::kInvalidFile, "int8 word table has no quantization scales");
  const int64_t vocab = word.dim(0);
  const auto count = static_cast<int64_t>(quant->scales.size());
  const bool per_row = quant->axis == 0 && count == vocab;
  if (!per_row && count != 1) {
    fail(ctx, ErrorCode::kInvalidFile,
         "int8 word table has " + std::to_string(count) + " scales along axis " +
             std::to_string(quant->axis) + ", expected 1 or " + std::to_string(vocab) +
             " along axis 0");
  }
  for (int32_t z : quant->zero_points) {
    if (z != 0) fail(ctx, ErrorCode::kInvalidFile, "int8 word table is not symmetric");
  }
  return {word.data<int8_t>(), vocab, word.dim(1), quant->scales.data(), per_row};
}

}  // namespace

Tensor embedding(const OpContext& ctx, const fb::EmbeddingAttrsT& attrs,
                 const EmbeddingInputs& in) {
  if (in.ids.rank() != 2) {
    fail(ctx, ErrorCode::kInvalidArgument,
         "input_ids has shape " + shape_string(in.ids.shape()) + ", expected [batch, tokens]");
  }
  const int64_t b = in.ids.dim(0), s = in.ids.dim(1);
  if (b < 1 || s < 1) fail(ctx, ErrorCode::kInvalidArgument, "input_ids is empty");
  expect_ids(ctx, "input_ids", in.ids, {b, s});
  if (in.mask.rank() != 2 || in.mask.dim(0) != b || in.mask.dim(1) < s) {
    fail(ctx, ErrorCode::kInvalidArgument,
         "attention_mask has shape " + shape_string(in.mask.shape()) + ", expected [" +
             std::to_string(b) + ", past + " + std::to_string(s) + "]");
  }
  expect_ids(ctx, "attention_mask", in.mask, in.mask.shape());
  const bool int8_word = in.word.dtype() == DType::I8;
  const cpu::Int8Weight word_int8 =
      int8_word ? int8_word_table(ctx, in.word, in.word_quant) : cpu::Int8Weight{};
  if (!int8_word) expect_float(ctx, "word table", in.word, 2);
  const int64_t h = in.word.dim(1);
  expect_float(ctx, "position table", in.position, 2);
  expect_shape(ctx, "position table", in.position, {in.position.dim(0), h});
  if (in.token_type) {
    expect_float(ctx, "token-type table", *in.token_type, 2);
    expect_shape(ctx, "token-type table", *in.token_type, {in.token_type->dim(0), h});
  }
  if (attrs.positions < fb::PositionMode::MIN || attrs.positions > fb::PositionMode::MAX ||
      attrs.position_offset < 0 || attrs.position_offset > in.position.dim(0)) {
    fail(ctx, ErrorCode::kInvalidFile, "invalid position mode or offset");
  }
  check_range(ctx, "token id", in.ids.data<int32_t>(), b * s, in.word.dim(0));
  if (in.token_type_ids) {
    if (!in.token_type) fail(ctx, ErrorCode::kInvalidFile, "token_type_ids without a table");
    expect_ids(ctx, "token_type_ids", *in.token_type_ids, {b, s});
    check_range(ctx, "token type", in.token_type_ids->data<int32_t>(), b * s,
                in.token_type->dim(0));
  }
  std::vector<int64_t> positions(static_cast<size_t>(b * s));
  cpu::embedding_positions(attrs.positions, in.mask.data<int32_t>(), b, in.mask.dim(1), s,
                           attrs.position_offset, positions.data());
  check_positions(ctx, positions, in.position.dim(0));
  Tensor y(DType::F32, {b, s, h});
  const cpu::EmbeddingTables tables{int8_word ? nullptr : in.word.data<float>(), word_int8,
                                    in.position.data<float>(),
                                    in.token_type ? in.token_type->data<float>() : nullptr, h};
  cpu::embedding_lookup(tables, in.ids.data<int32_t>(),
                        in.token_type_ids ? in.token_type_ids->data<int32_t>() : nullptr,
                        positions.data(), b * s, y.data<float>());
  return y;
}

}  // namespace qtx::ops
