#include "engine/cpu/attention_operands.h"

#include <algorithm>

#include "engine/cpu/attention_products.h"

namespace qtx::cpu {

// quantize_code's arithmetic minus the zero point, as floats (the rounded value is the
// integer), cloned for AVX2 so that the division and rounding run on 8 lanes. NaN fails both
// comparisons and becomes lo, as in quantize_code.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void centred_codes(const QuantGrid& g,
                                                                       const float* x, int64_t n,
                                                                       float* out) {
  const auto lo = static_cast<float>(g.qmin - g.zero_point);
  const auto hi = static_cast<float>(g.qmax - g.zero_point);
  const float scale = g.scale;
  for (int64_t i = 0; i < n; ++i) {
    float t = x[i] / scale;
    t = t >= lo ? t : lo;
    t = t <= hi ? t : hi;
    out[i] = round_half_even(t);
  }
}

int32_t max_centred_code(const QuantGrid& g) {
  return std::max(g.qmax - g.zero_point, g.zero_point - g.qmin);
}

HeadOperands::HeadOperands(const AttentionShape& shape, const OperandGrids& grids)
    : seq_(shape.seq),
      total_(shape.total),
      dh_(shape.dh),
      stride_(padded_keys(shape.total)),
      grids_(grids),
      queries_(static_cast<size_t>(seq_ * dh_)),
      keys_t_(static_cast<size_t>(dh_ * stride_), 0.0f),
      values_(static_cast<size_t>(total_ * dh_)),
      key_row_(static_cast<size_t>(dh_)) {}

void HeadOperands::gather(const QuantGrid* g, const float* x, int64_t n, float* out) {
  if (g) {
    centred_codes(*g, x, n, out);
  } else {
    std::copy_n(x, n, out);
  }
}

void HeadOperands::load(const HeadSource& source) {
  for (int64_t i = 0; i < seq_; ++i) {
    gather(grids_.q, source.q + i * source.q_stride, dh_, queries_.data() + i * dh_);
  }
  // Columns past T stay zero from construction: no load writes them.
  for (int64_t t = 0; t < total_; ++t) {
    gather(grids_.k, source.keys + t * source.key_stride, dh_, key_row_.data());
    for (int64_t d = 0; d < dh_; ++d)
      keys_t_[static_cast<size_t>(d * stride_ + t)] = key_row_[static_cast<size_t>(d)];
  }
  for (int64_t t = 0; t < total_; ++t) {
    gather(grids_.v, source.values + t * source.value_stride, dh_, values_.data() + t * dh_);
  }
}

}  // namespace qtx::cpu
