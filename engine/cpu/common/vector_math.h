// exp, tanh and erf for float loops that must vectorise. std::exp and std::erf
// are library calls (errno, no SIMD variant on baseline x86-64), so a loop over
// them runs one value at a time: the exact GELU in an int8 Linear's epilogue
// took longer than the int8 GEMM before it. These are branch-free polynomials
// the compiler turns into SIMD code.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace qtx::cpu {

// e^x for x <= 0 (x > 0 is read as -x), within 2 ulp down to x = -87 (Cephes
// expf: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial in r, then 2^n
// through the exponent bits). Smaller x, -inf and NaN give e^-87.3 (~1e-38)
// instead of a denormal, 0 or NaN: every caller adds it to terms of order 1.
inline float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr uint32_t kMagnitudeBits = 0x7fffffffu;
  constexpr uint32_t kMinMagnitude = 0x42aea000u;  // 87.3125f, the bits of -kMin's magnitude
  constexpr float kRound = 12582912.0f;            // 1.5 * 2^23: adding it rounds to an integer
  // The clamp in integers (an integer min is no branch to GCC; a float one is,
  // and then the constant x it implies is folded through the rest, leaving a
  // branch that stops the vectoriser). NaN and -inf clamp to -87.3 too.
  uint32_t magnitude = std::bit_cast<uint32_t>(x) & kMagnitudeBits;
  magnitude = magnitude < kMinMagnitude ? magnitude : kMinMagnitude;
  x = -std::bit_cast<float>(magnitude);
  const float n = (x * kLog2e + kRound) - kRound;
  const float r = x - n * kLn2Hi - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const auto bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(bits);
}

// tanh(x) within 2e-7 absolute: (1 - e^-2|x|) / (1 + e^-2|x|), sign restored.
inline float tanh_fast(float x) {
  const float e = exp_nonpositive(-2.0f * std::fabs(x));
  return std::copysign((1.0f - e) / (1.0f + e), x);
}

// erf(x) within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26, the approximation
// oneDNN's gelu_erf uses, so the int8 epilogue's GELU and oneDNN's fused one
// agree).
inline float erf_fast(float x) {
  constexpr float kP = 0.3275911f;
  constexpr float kA1 = 0.254829592f;
  constexpr float kA2 = -0.284496736f;
  constexpr float kA3 = 1.421413741f;
  constexpr float kA4 = -1.453152027f;
  constexpr float kA5 = 1.061405429f;
  const float z = std::fabs(x);
  const float t = 1.0f / (1.0f + kP * z);
  const float poly = ((((kA5 * t + kA4) * t + kA3) * t + kA2) * t + kA1) * t;
  return std::copysign(1.0f - poly * exp_nonpositive(-z * z), x);
}

}  // namespace qtx::cpu
