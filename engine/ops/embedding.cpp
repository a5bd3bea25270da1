#include "engine/ops/embedding.h"

#include <string>
#include <vector>

#include "engine/cpu/embedding/embedding.h"
#include "engine/ops/int8_rows.h"

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

// A float or int8 table of `hidden` columns; 0 for the word table, whose columns define hidden.
kernels::EmbeddingTable table_of(const OpContext& ctx, const std::string& what, const Tensor& table,
                                 const fb::QuantParamsT* quant, int64_t hidden) {
  const std::string name = what + " table";
  kernels::EmbeddingTable out;
  if (table.dtype() == DType::I8) {
    // The loader holds int8 tables to symmetric scales, so an asymmetric one is a broken file.
    out.int8 =
        int8_rows(ctx, "int8 " + name, "[rows, hidden]", table, quant, ErrorCode::kInvalidFile);
  } else {
    expect_float(ctx, name.c_str(), table, 2);
    out.values = table.data<float>();
  }
  if (hidden > 0) expect_shape(ctx, name.c_str(), table, {table.dim(0), hidden});
  return out;
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
  kernels::EmbeddingTables tables;
  tables.word = table_of(ctx, "word", in.word, in.word_quant, 0);
  const int64_t h = in.word.dim(1);
  tables.hidden = h;
  tables.position = table_of(ctx, "position", in.position, in.position_quant, h);
  if (in.token_type) {
    tables.token_type = table_of(ctx, "token-type", *in.token_type, in.token_type_quant, h);
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
  cpu::embedding_lookup(tables, in.ids.data<int32_t>(),
                        in.token_type_ids ? in.token_type_ids->data<int32_t>() : nullptr,
                        positions.data(), b * s, y.data<float>());
  return y;
}

}  // namespace qtx::ops
