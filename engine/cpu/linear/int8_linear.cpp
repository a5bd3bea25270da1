#include "engine/cpu/linear/int8_linear.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/cpu/common/activation.h"
#include "engine/cpu/common/parallel_for.h"
#include "engine/cpu/linear/outlier_columns.h"

namespace qtx::cpu {
namespace {

// Rows per thread worth splitting for the element-wise passes.
int64_t min_rows(int64_t cols) {
  return std::max<int64_t>(1, (int64_t{1} << 14) / cols);
}

// Cloned for AVX2: the division and rounding run on 8 lanes.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void quantize_row(const float* x, int64_t k,
                                                                      const QuantGrid& g,
                                                                      uint8_t* out) {
  for (int64_t i = 0; i < k; ++i) out[i] = static_cast<uint8_t>(quantize_code(x[i], g));
}

// yr[c] = float(acc[c]) * (sx * sw[c]) (+ bias[c]) for the row's int32 sums, which sit in
// yr's own bytes: they are copied out a tile at a time (memcpy keeps reading int32s from
// float storage well defined) and the floats written back over them.
template <typename Scale, typename Bias>
[[gnu::always_inline]] inline void dequantize_row(float* yr, int64_t n, int32_t factor,
                                                  const int32_t* rowsum, Scale scale, Bias bias) {
  constexpr int64_t kTile = 256;
  int32_t acc[kTile];
  for (int64_t c0 = 0; c0 < n; c0 += kTile) {
    const int64_t count = std::min(kTile, n - c0);
    std::memcpy(acc, yr + c0, static_cast<size_t>(count) * sizeof(int32_t));
    if (rowsum) {
      for (int64_t j = 0; j < count; ++j) acc[j] += factor * rowsum[c0 + j];
    }
    for (int64_t j = 0; j < count; ++j) {
      yr[c0 + j] = bias(static_cast<float>(acc[j]) * scale(c0 + j), c0 + j);
    }
  }
}

// One branch per weight granularity and bias, hoisted out of the loops so each vectorises;
// cloned for AVX2 (8 lanes), like activation.cpp.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void dequantize_row(
    float* yr, int64_t n, int32_t factor, const int32_t* rowsum, float sx, const Int8Weight& w,
    const float* b) {
  const float* sw = w.scales;
  const auto per_channel = [sx, sw](int64_t c) { return sx * sw[c]; };
  const auto per_tensor = [s = sx * sw[0]](int64_t) { return s; };
  const auto with_bias = [b](float v, int64_t c) { return v + b[c]; };
  const auto no_bias = [](float v, int64_t) { return v; };
  if (w.per_channel) {
    b ? dequantize_row(yr, n, factor, rowsum, per_channel, with_bias)
      : dequantize_row(yr, n, factor, rowsum, per_channel, no_bias);
  } else {
    b ? dequantize_row(yr, n, factor, rowsum, per_tensor, with_bias)
      : dequantize_row(yr, n, factor, rowsum, per_tensor, no_bias);
  }
}

}  // namespace

ActivationCodes quantize_static(const float* x, int64_t m, int64_t k, const QuantGrid& g,
                                int threads) {
  ActivationCodes c(m, k, !fits_u8(g));
  std::fill(c.scales.begin(), c.scales.end(), g.scale);
  std::fill(c.zero_points.begin(), c.zero_points.end(), g.zero_point);
  parallel_for(m, threads, min_rows(k), [&](int64_t begin, int64_t end) {
    quantize_row(x + begin * k, (end - begin) * k, g, c.bytes.get() + begin * k);
  });
  return c;
}

ActivationCodes quantize_dynamic(const float* x, int64_t m, int64_t k, int threads,
                                 const OutlierRows* outliers) {
  ActivationCodes c(m, k, false);
  parallel_for(m, threads, min_rows(k), [&](int64_t begin, int64_t end) {
    std::vector<float> inliers;
    for (int64_t r = begin; r < end; ++r) {
      const float* row = x + r * k;
      if (outliers && !outliers->row(r).empty()) {
        inliers.assign(row, row + k);
        for (int32_t j : outliers->row(r)) inliers[static_cast<size_t>(j)] = 0.0f;
        row = inliers.data();
      }
      const QuantGrid g = dynamic_row_grid(row, k);
      quantize_row(row, k, g, c.bytes.get() + r * k);
      c.scales[static_cast<size_t>(r)] = g.scale;
      c.zero_points[static_cast<size_t>(r)] = g.zero_point;
    }
  });
  return c;
}

std::vector<int32_t> weight_row_sums(const Int8Weight& w) {
  std::vector<int32_t> sums(static_cast<size_t>(w.n));
  for (int64_t c = 0; c < w.n; ++c) {
    int32_t sum = 0;
    for (int64_t i = 0; i < w.k; ++i) sum += w.codes[c * w.k + i];
    sums[static_cast<size_t>(c)] = sum;
  }
  return sums;
}

void int8_accumulate_reference(const ActivationCodes& x, const Int8Weight& w, int32_t* acc) {
  for (int64_t r = 0; r < x.m; ++r) {
    const int32_t zx = x.zero_points[static_cast<size_t>(r)];
    for (int64_t c = 0; c < w.n; ++c) {
      const int8_t* wc = w.codes + c * w.k;
      int32_t sum = 0;
      for (int64_t i = 0; i < w.k; ++i) sum += (x.code(r, i) - zx) * int32_t{wc[i]};
      acc[r * w.n + c] = sum;
    }
  }
}

void int8_epilogue(const ActivationCodes& x, const Int8Weight& w, const int32_t* rowsum,
                   const Int8Epilogue& e, int threads, float* y) {
  const int64_t n = w.n;
  parallel_for(x.m, threads, min_rows(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const auto row = static_cast<size_t>(r);
      float* yr = y + r * n;
      dequantize_row(yr, n, -x.zero_points[row], rowsum, x.scales[row], w, e.bias);
      if (e.outliers && !e.outliers->empty()) e.outliers->add_products(r, yr);
      apply_activation(e.activation, yr, n);
      if (e.output) fake_quantize(*e.output, yr, n);
    }
  });
}

void fake_quantize_rows(const QuantGrid& g, int64_t m, int64_t n, int threads, float* y) {
  parallel_for(m, threads, min_rows(n), [&](int64_t begin, int64_t end) {
    fake_quantize(g, y + begin * n, (end - begin) * n);
  });
}

std::vector<float> dequantize_weight(const Int8Weight& w) {
  std::vector<float> out(static_cast<size_t>(w.n * w.k));
  for (int64_t c = 0; c < w.n; ++c) {
    const float sw = w.scale(c);
    for (int64_t i = 0; i < w.k; ++i) {
      out[static_cast<size_t>(c * w.k + i)] = static_cast<float>(w.codes[c * w.k + i]) * sw;
    }
  }
  return out;
}

}  // namespace qtx::cpu
