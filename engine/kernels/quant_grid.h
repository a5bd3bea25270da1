// The device-neutral contract of int8 quantization (engine/format/qtx.fbs, QuantParams): a grid,
// how a value becomes a code on it, and the grid of a tensor's params. Every backend computes
// codes with these definitions, so quantization can never be where two backends disagree.
#pragma once

#include <cstddef>
#include <cstdint>

#include "qtx_generated.h"

namespace qtx::kernels {

// One grid: value = (code - zero_point) * scale, code in [qmin, qmax].
struct QuantGrid {
  float scale = 1.0f;
  int32_t zero_point = 0;
  int32_t qmin = -127;
  int32_t qmax = 127;
};

// Round half to even, equal to std::nearbyint in the default rounding mode (qtx never changes
// it) for |v| <= 2^22: adding and subtracting 1.5 * 2^23 leaves v's integer part in the
// mantissa. Unlike nearbyintf on baseline x86-64 this is not a library call, so the loops
// that use it vectorise.
inline float round_half_even(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
}

// The bounds of a grid's codes around its zero point, as floats: [qmin - zp, qmax - zp].
struct CentredRange {
  float lo, hi;
  explicit CentredRange(const QuantGrid& g)
      : lo(static_cast<float>(g.qmin - g.zero_point)),
        hi(static_cast<float>(g.qmax - g.zero_point)) {}
};

// round_half_even(x / scale) clamped to r: the code minus the zero point, as a float; NaN
// maps to r.lo. Clamping before rounding (to integer bounds) gives the same code and keeps the
// value in range of round_half_even and of an int conversion. Branch-free, so loops over it
// vectorise.
inline float centred_code(float x, float scale, CentredRange r) {
  float t = x / scale;
  t = t >= r.lo ? t : r.lo;
  t = t <= r.hi ? t : r.hi;
  return round_half_even(t);
}

// clamp(round_half_even(x / scale) + zero_point, qmin, qmax); NaN maps to qmin.
inline int32_t quantize_code(float x, const QuantGrid& g) {
  return static_cast<int32_t>(centred_code(x, g.scale, CentredRange(g))) + g.zero_point;
}

// The grid of one tensor, or of index `index` along the axis of per-axis params.
QuantGrid grid_of(const fb::QuantParamsT& q, size_t index = 0);

// Whether codes of grid g fit s8 (qmin >= -128, qmax <= 127) or u8 (qmin >= 0, qmax <= 255).
bool fits_s8(const QuantGrid& g);
bool fits_u8(const QuantGrid& g);

}  // namespace qtx::kernels
