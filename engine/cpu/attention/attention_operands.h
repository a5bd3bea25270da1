// The operands of one (batch, head)'s attention products, gathered from the strided inputs:
// each as its centred integer codes (code - zero_point) when it has a grid, held exactly in
// floats (attention_products.h) or as int16 pairs (attention_products_avx2.h), else as its
// float values. Codes are recovered from the on-grid floats as the INT8 contract says
// (quantize_code), once per operand element.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/cpu/attention/attention.h"
#include "engine/cpu/common/quantize.h"

namespace qtx::cpu {

// out[i] = quantize_code(x[i], g) - g.zero_point, for i < n (out may be x); as int16 too
// (|code - zero_point| <= 383 fits).
void centred_codes(const QuantGrid& g, const float* x, int64_t n, float* out);
void centred_codes(const QuantGrid& g, const float* x, int64_t n, int16_t* out);

// The largest |code - zero_point| of grid g.
int32_t max_centred_code(const QuantGrid& g);

// Where one (batch, head) of q [B, S, heads * dh] and of the keys and values lies.
struct HeadSource {
  const float* q;  // query i's row is q + i * q_stride
  int64_t q_stride;
  const float* keys;  // key t's row is keys + t * key_stride
  int64_t key_stride;
  const float* values;
  int64_t value_stride;
};

// The grids of q, k and v; nullptr: the float values.
struct OperandGrids {
  const QuantGrid* q = nullptr;
  const QuantGrid* k = nullptr;
  const QuantGrid* v = nullptr;
};

// How a product reads its operands.
enum class ProductForm {
  kFloat,      // floats: the values, or codes held in floats (attention_products.h)
  kCodePairs,  // int16 codes in pairs along the summed index (attention_products_avx2.h)
};

// One (batch, head)'s operands, in the layouts the products read, zero-padded. Gathered once
// per head: in the [B, S, H] input a head's rows lie H floats apart, a power-of-two multiple
// that maps every row to the same few L1 sets.
class HeadOperands {
 public:
  // `scores` is the form of q and k, `context` that of v; kCodePairs needs their grids.
  HeadOperands(const AttentionShape& shape, const OperandGrids& grids, ProductForm scores,
               ProductForm context);

  void load(const HeadSource& source);

  // The columns of transposed keys (both forms), padded_keys(T).
  int64_t key_stride() const { return stride_; }

  // kFloat scores: queries [S, dh]; keys transposed to [dh, key_stride()], so score tiles
  // read contiguous key columns.
  const float* query(int64_t i) const { return queries_.data() + i * dh_; }
  const float* keys_t() const { return keys_t_.data(); }

  // kCodePairs scores: queries [S, 2 * dh_pairs()]; keys [dh_pairs()][key_stride()][2].
  int64_t dh_pairs() const { return dh_pairs_; }
  const int16_t* query_codes(int64_t i) const { return query_codes_.data() + i * 2 * dh_pairs_; }
  const int16_t* key_pairs() const { return key_pairs_.data(); }

  // kFloat context: values [T, dh].
  const float* values() const { return values_.data(); }

  // kCodePairs context: values [ceil(T / 2)][value_columns()][2], value_columns() being dh
  // rounded up to kTileCols.
  int64_t value_columns() const { return value_columns_; }
  const int16_t* value_pairs() const { return value_pairs_.data(); }

 private:
  // Row x[0, dh): its codes under g (in row_), or x itself when g is nullptr.
  const float* gather(const QuantGrid* g, const float* x);
  void load_float_scores(const HeadSource& source);
  void load_pair_scores(const HeadSource& source);
  void load_float_values(const HeadSource& source);
  void load_pair_values(const HeadSource& source);

  int64_t seq_, total_, dh_, stride_, dh_pairs_, value_columns_;
  OperandGrids grids_;
  ProductForm scores_, context_;
  std::vector<float> queries_;
  std::vector<float> keys_t_;
  std::vector<float> values_;
  std::vector<int16_t> query_codes_;
  std::vector<int16_t> key_pairs_;
  std::vector<int16_t> value_pairs_;
  std::vector<float> row_;
  std::vector<int16_t> block_;  // codes of the keys (or values) being paired
};

}  // namespace qtx::cpu
