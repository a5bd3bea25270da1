#include "engine/cpu/attention/attention_operands.h"

#include <algorithm>
#include <cstring>

#include "engine/cpu/attention/attention_products.h"

namespace qtx::cpu {

namespace {

size_t count(int64_t n) {
  return static_cast<size_t>(n);
}

// quantize_code's arithmetic minus the zero point, as floats (the rounded value is the
// integer). NaN fails both comparisons and becomes lo, as in quantize_code. Inlined into the
// loaders cloned for AVX2, so that the division and rounding run on 8 lanes.
template <class Code>
[[gnu::always_inline]] inline void codes_of(const QuantGrid& g, const float* x, int64_t n,
                                            Code* out) {
  const CentredRange range(g);
  const float scale = g.scale;
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Code>(centred_code(x[i], scale, range));
}

// Rows i < rows of x (x_stride apart, dh codes each) as int16 codes, out_stride apart.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void load_code_rows(
    const QuantGrid& g, const float* x, int64_t x_stride, int64_t rows, int64_t dh,
    int64_t out_stride, int16_t* out) {
  for (int64_t i = 0; i < rows; ++i) codes_of(g, x + i * x_stride, dh, out + i * out_stride);
}

// Keys as [pairs][stride][2] code pairs, kTileCols keys at a time: their codes into `block`
// ([kTileCols][2 * pairs], a zero after an odd dh), then each pair of the block's keys as 16
// adjacent pairs, one 64-byte line, instead of one line per pair and key.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void load_key_pairs(
    const QuantGrid& g, const float* keys, int64_t key_stride, int64_t total, int64_t dh,
    int64_t stride, int16_t* block, int16_t* pairs) {
  const int64_t row = 2 * ((dh + 1) / 2);
  for (int64_t t0 = 0; t0 < total; t0 += kTileCols) {
    const int64_t n = std::min(kTileCols, total - t0);
    for (int64_t t = 0; t < n; ++t) {
      codes_of(g, keys + (t0 + t) * key_stride, dh, block + t * row);
      if (row > dh) block[t * row + dh] = 0;
    }
    for (int64_t j = 0; 2 * j < row; ++j) {
      int16_t* out = pairs + (j * stride + t0) * 2;
      for (int64_t t = 0; t < n; ++t) std::memcpy(out + 2 * t, block + t * row + 2 * j, 4);
    }
  }
}

// Values as [ceil(T / 2)][columns][2] code pairs: rows 2j and 2j + 1 interleaved.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void load_value_pairs(
    const QuantGrid& g, const float* values, int64_t value_stride, int64_t total, int64_t dh,
    int64_t columns, int16_t* block, int16_t* pairs) {
  for (int64_t t0 = 0; t0 < total; t0 += 2) {
    const int64_t n = std::min<int64_t>(2, total - t0);
    for (int64_t t = 0; t < n; ++t)
      codes_of(g, values + (t0 + t) * value_stride, dh, block + t * dh);
    if (n == 1) std::fill(block + dh, block + 2 * dh, int16_t{0});
    int16_t* out = pairs + t0 * columns;
    for (int64_t d = 0; d < dh; ++d) {
      out[2 * d] = block[d];
      out[2 * d + 1] = block[dh + d];
    }
  }
}

}  // namespace

[[gnu::target_clones("arch=x86-64-v3", "default")]] void centred_codes(const QuantGrid& g,
                                                                       const float* x, int64_t n,
                                                                       float* out) {
  codes_of(g, x, n, out);
}

[[gnu::target_clones("arch=x86-64-v3", "default")]] void centred_codes(const QuantGrid& g,
                                                                       const float* x, int64_t n,
                                                                       int16_t* out) {
  codes_of(g, x, n, out);
}

int32_t max_centred_code(const QuantGrid& g) {
  return std::max(g.qmax - g.zero_point, g.zero_point - g.qmin);
}

HeadOperands::HeadOperands(const AttentionShape& shape, const OperandGrids& grids,
                           ProductForm scores, ProductForm context)
    : seq_(shape.seq),
      total_(shape.total),
      dh_(shape.dh),
      stride_(padded_keys(shape.total)),
      dh_pairs_((shape.dh + 1) / 2),
      value_columns_((shape.dh + kTileCols - 1) / kTileCols * kTileCols),
      grids_(grids),
      scores_(scores),
      context_(context),
      row_(count(dh_)),
      block_(count(std::max(kTileCols * 2 * dh_pairs_, 2 * dh_)), 0) {
  // Padding is zeroed here once: no load writes it.
  if (scores == ProductForm::kFloat) {
    queries_.resize(count(seq_ * dh_));
    keys_t_.assign(count(dh_ * stride_), 0.0f);
  } else {
    query_codes_.assign(count(seq_ * 2 * dh_pairs_), 0);
    key_pairs_.assign(count(dh_pairs_ * stride_ * 2), 0);
  }
  if (context == ProductForm::kFloat) {
    values_.resize(count(total_ * dh_));
  } else {
    value_pairs_.assign(count((total_ + 1) / 2 * value_columns_ * 2), 0);
  }
}

const float* HeadOperands::gather(const QuantGrid* g, const float* x) {
  if (!g) return x;
  centred_codes(*g, x, dh_, row_.data());
  return row_.data();
}

void HeadOperands::load(const HeadSource& source) {
  if (scores_ == ProductForm::kFloat) {
    load_float_scores(source);
  } else {
    load_pair_scores(source);
  }
  if (context_ == ProductForm::kFloat) {
    load_float_values(source);
  } else {
    load_pair_values(source);
  }
}

void HeadOperands::load_float_scores(const HeadSource& source) {
  for (int64_t i = 0; i < seq_; ++i) {
    const float* q = gather(grids_.q, source.q + i * source.q_stride);
    std::copy_n(q, dh_, queries_.data() + i * dh_);
  }
  for (int64_t t = 0; t < total_; ++t) {
    const float* k = gather(grids_.k, source.keys + t * source.key_stride);
    for (int64_t d = 0; d < dh_; ++d) keys_t_[count(d * stride_ + t)] = k[d];
  }
}

void HeadOperands::load_pair_scores(const HeadSource& source) {
  load_code_rows(*grids_.q, source.q, source.q_stride, seq_, dh_, 2 * dh_pairs_,
                 query_codes_.data());
  load_key_pairs(*grids_.k, source.keys, source.key_stride, total_, dh_, stride_, block_.data(),
                 key_pairs_.data());
}

void HeadOperands::load_float_values(const HeadSource& source) {
  for (int64_t t = 0; t < total_; ++t) {
    const float* v = gather(grids_.v, source.values + t * source.value_stride);
    std::copy_n(v, dh_, values_.data() + t * dh_);
  }
}

void HeadOperands::load_pair_values(const HeadSource& source) {
  load_value_pairs(*grids_.v, source.values, source.value_stride, total_, dh_, value_columns_,
                   block_.data(), value_pairs_.data());
}

}  // namespace qtx::cpu
