// The operands of one (batch, head)'s attention products (attention_products.h), gathered
// from the strided inputs: each either as its centred integer codes (code - zero_point, held
// exactly in floats) when it has a grid, or as its float values. Codes are recovered from the
// on-grid floats as the INT8 contract says (quantize_code), once per operand element.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/cpu/attention.h"
#include "engine/cpu/quantize.h"

namespace qtx::cpu {

// out[i] = quantize_code(x[i], g) - g.zero_point, for i < n (out may be x).
void centred_codes(const QuantGrid& g, const float* x, int64_t n, float* out);

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

// One (batch, head)'s operands, in the layouts the products read: queries [S, dh]; keys
// transposed to [dh, padded_keys(T)], zero past T, so score tiles read contiguous key
// columns; values [T, dh] (in the [B, S, H] input a head's rows lie H floats apart, a
// power-of-two multiple that maps every row to the same few L1 sets).
class HeadOperands {
 public:
  HeadOperands(const AttentionShape& shape, const OperandGrids& grids);

  void load(const HeadSource& source);

  const float* query(int64_t i) const { return queries_.data() + i * dh_; }
  const float* keys_t() const { return keys_t_.data(); }
  int64_t key_stride() const { return stride_; }
  const float* values() const { return values_.data(); }

 private:
  // Row x[0, n) as codes of g, or copied when g is nullptr.
  static void gather(const QuantGrid* g, const float* x, int64_t n, float* out);

  int64_t seq_, total_, dh_, stride_;
  OperandGrids grids_;
  std::vector<float> queries_;
  std::vector<float> keys_t_;
  std::vector<float> values_;
  std::vector<float> key_row_;
};

}  // namespace qtx::cpu
