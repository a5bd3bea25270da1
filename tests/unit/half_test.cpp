#include "engine/util/half.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qtx {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The compiler's own binary16 type is the independent reference (x86-64 GCC 12: _Float16,
// converted in software with round-to-nearest-even).
float reference_half_to_float(uint16_t h) {
  return static_cast<float>(std::bit_cast<_Float16>(h));
}
uint16_t reference_float_to_half(float f) {
  return std::bit_cast<uint16_t>(static_cast<_Float16>(f));
}

bool is_nan_half(uint16_t h) {
  return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
}

TEST(Half, EveryHalfConvertsLikeTheReferenceAndRoundTrips) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = half_to_float(h);
    if (is_nan_half(h)) {
      EXPECT_TRUE(std::isnan(f)) << std::hex << h;
      EXPECT_TRUE(is_nan_half(float_to_half(f))) << std::hex << h;
      EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0);
      continue;
    }
    EXPECT_EQ(std::bit_cast<uint32_t>(f), std::bit_cast<uint32_t>(reference_half_to_float(h)))
        << std::hex << h;
    EXPECT_EQ(float_to_half(f), h) << std::hex << h;
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(half_to_float(0xC000), -2.0f);
  EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(half_to_float(0x7C00), kInf);
  EXPECT_EQ(half_to_float(0xFC00), -kInf);
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

TEST(Half, RoundsToNearestEven) {
  EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_half(65519.99f), 0x7BFF);
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // halfway to 2^16 rounds up to inf
  EXPECT_EQ(float_to_half(1e10f), 0x7C00);
  EXPECT_EQ(float_to_half(-kInf), 0xFC00);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1.0).
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);     // tie to even: zero
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);     // above the tie
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);     // 1.5 units: tie to even 2
  EXPECT_EQ(float_to_half(-std::ldexp(1.0f, -30)), 0x8000);    // signed zero
  EXPECT_EQ(float_to_half(std::ldexp(1023.5f, -24)), 0x0400);  // carries into the normals
  EXPECT_TRUE(is_nan_half(float_to_half(std::numeric_limits<float>::quiet_NaN())));
  // A signalling nan whose payload lives only in the low bits must stay a nan, not become inf.
  EXPECT_TRUE(is_nan_half(float_to_half(std::bit_cast<float>(0x7F800001u))));
}

TEST(Half, FloatsRoundLikeTheReference) {
  // A stride through all float bit patterns, dense enough to hit every exponent many times.
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 65521) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(bits));
    if (std::isnan(f)) continue;
    EXPECT_EQ(float_to_half(f), reference_float_to_half(f)) << std::hex << bits;
  }
}

TEST(Half, Bfloat16IsTheTopHalfOfAFloat) {
  EXPECT_EQ(bf16_to_float(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_float(0xC0A0), -5.0f);
  EXPECT_EQ(bf16_to_float(0x7F80), kInf);
  EXPECT_TRUE(std::isnan(bf16_to_float(0x7FC0)));
  EXPECT_EQ(bf16_to_float(0x0001), std::bit_cast<float>(0x00010000u));
}

}  // namespace
}  // namespace qtx
