#include "engine/cpu/int8_linear.h"

#include <algorithm>

#include "engine/cpu/activation.h"
#include "engine/cpu/parallel_for.h"

namespace qtx::cpu {
namespace {

// Rows per thread worth splitting for the element-wise passes.
int64_t min_rows(int64_t cols) {
  return std::max<int64_t>(1, (int64_t{1} << 14) / cols);
}

ActivationCodes empty_codes(int64_t m, int64_t k, bool is_signed) {
  ActivationCodes c;
  c.m = m;
  c.k = k;
  c.is_signed = is_signed;
  c.bytes.resize(static_cast<size_t>(m * k));
  c.scales.resize(static_cast<size_t>(m));
  c.zero_points.resize(static_cast<size_t>(m));
  return c;
}

// Cloned for AVX2: the division and rounding run on 8 lanes.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void quantize_row(const float* x, int64_t k,
                                                                      const QuantGrid& g,
                                                                      uint8_t* out) {
  for (int64_t i = 0; i < k; ++i) out[i] = static_cast<uint8_t>(quantize_code(x[i], g));
}

}  // namespace

bool fits_s8(const QuantGrid& g) {
  return g.qmin >= -128 && g.qmax <= 127;
}
bool fits_u8(const QuantGrid& g) {
  return g.qmin >= 0 && g.qmax <= 255;
}

ActivationCodes quantize_static(const float* x, int64_t m, int64_t k, const QuantGrid& g,
                                int threads) {
  ActivationCodes c = empty_codes(m, k, !fits_u8(g));
  parallel_for(m, threads, min_rows(k), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      quantize_row(x + r * k, k, g, c.bytes.data() + r * k);
      c.scales[static_cast<size_t>(r)] = g.scale;
      c.zero_points[static_cast<size_t>(r)] = g.zero_point;
    }
  });
  return c;
}

ActivationCodes quantize_dynamic(const float* x, int64_t m, int64_t k, int threads) {
  ActivationCodes c = empty_codes(m, k, false);
  parallel_for(m, threads, min_rows(k), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const QuantGrid g = dynamic_row_grid(x + r * k, k);
      quantize_row(x + r * k, k, g, c.bytes.data() + r * k);
      c.scales[static_cast<size_t>(r)] = g.scale;
      c.zero_points[static_cast<size_t>(r)] = g.zero_point;
    }
  });
  return c;
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

void int8_epilogue(const int32_t* acc, const ActivationCodes& x, const Int8Weight& w,
                   const Int8Epilogue& e, int threads, float* y) {
  const int64_t n = w.n;
  parallel_for(x.m, threads, min_rows(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float sx = x.scales[static_cast<size_t>(r)];
      const int32_t* a = acc + r * n;
      float* yr = y + r * n;
      for (int64_t c = 0; c < n; ++c) {
        const float sw = w.per_channel ? w.scales[c] : w.scales[0];
        yr[c] = static_cast<float>(a[c]) * (sx * sw) + (e.bias ? e.bias[c] : 0.0f);
      }
      apply_activation(e.activation, yr, n);
      if (e.output) fake_quantize(*e.output, yr, n);
    }
  });
}

std::vector<float> dequantize_weight(const Int8Weight& w) {
  std::vector<float> out(static_cast<size_t>(w.n * w.k));
  for (int64_t c = 0; c < w.n; ++c) {
    const float sw = w.per_channel ? w.scales[c] : w.scales[0];
    for (int64_t i = 0; i < w.k; ++i) {
      out[static_cast<size_t>(c * w.k + i)] = static_cast<float>(w.codes[c * w.k + i]) * sw;
    }
  }
  return out;
}

}  // namespace qtx::cpu
