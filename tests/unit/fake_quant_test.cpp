// Fake quantization and codes of the INT8 contract (qtx.fbs, QuantParams) on hand-computed
// values: round half to even, clamping to [qmin, qmax], per-axis grids, NaN, and the grids of
// dynamic per-token quantization.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "engine/cpu/common/quantize.h"
#include "qtx/error.h"

namespace qtx {
namespace {

using kernels::QuantGrid;

TEST(FakeQuant, RoundsHalfToEvenLikeNearbyint) {
  const float ties[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 127.5f, -128.5f};
  const float want[] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, -2.0f, 128.0f, -128.0f};
  for (size_t i = 0; i < std::size(ties); ++i) {
    EXPECT_EQ(cpu::round_half_even(ties[i]), want[i]) << ties[i];
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-4194304.0f, 4194304.0f);
  for (int i = 0; i < 100000; ++i) {
    const float v = dist(rng) / static_cast<float>(1 << (i % 23));
    ASSERT_EQ(cpu::round_half_even(v), std::nearbyint(v)) << v;
  }
}

TEST(FakeQuant, CodesRoundTiesToEvenAndClamp) {
  const QuantGrid asym{0.5f, 10, 0, 255};
  EXPECT_EQ(cpu::quantize_code(1.25f, asym), 12);  // 2.5 -> 2, + 10
  EXPECT_EQ(cpu::quantize_code(1.75f, asym), 14);  // 3.5 -> 4, + 10
  EXPECT_EQ(cpu::quantize_code(-5.25f, asym), 0);  // -10.5 -> -10, + 10
  EXPECT_EQ(cpu::quantize_code(-5.75f, asym), 0);  // clamped at qmin
  EXPECT_EQ(cpu::quantize_code(1000.0f, asym), 255);
  EXPECT_EQ(cpu::quantize_code(std::numeric_limits<float>::infinity(), asym), 255);
  EXPECT_EQ(cpu::quantize_code(std::nanf(""), asym), 0);
  const QuantGrid sym{0.25f, 0, -127, 127};
  EXPECT_EQ(cpu::quantize_code(-0.625f, sym), -2);  // -2.5 -> -2
  EXPECT_EQ(cpu::quantize_code(-100.0f, sym), -127);
  EXPECT_EQ(cpu::quantize_code(31.875f, sym), 127);  // 127.5 -> 128, clamped
}

TEST(FakeQuant, ValuesLandOnTheGrid) {
  float x[] = {1.25f, 1.75f, -5.75f, 1000.0f, 0.1f};
  cpu::fake_quantize({0.5f, 10, 0, 255}, x, 5);
  EXPECT_EQ(x[0], 1.0f);
  EXPECT_EQ(x[1], 2.0f);
  EXPECT_EQ(x[2], -5.0f);   // code 0 -> (0 - 10) * 0.5
  EXPECT_EQ(x[3], 122.5f);  // code 255 -> 245 * 0.5
  EXPECT_EQ(x[4], 0.0f);
  // On-grid values are fixed points: fake quantization is idempotent.
  float y[] = {1.0f, 2.0f, -5.0f, 122.5f};
  cpu::fake_quantize({0.5f, 10, 0, 255}, y, 4);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[3], 122.5f);
}

TEST(FakeQuant, TensorPerAxis) {
  Tensor t(DType::F32, {2, 3});
  const float v[] = {0.3f, 0.3f, 0.3f, -9.0f, 9.0f, 0.1f};
  std::copy_n(v, 6, t.data<float>());
  fb::QuantParamsT q;
  q.axis = 1;
  q.scales = {1.0f, 0.5f, 0.25f};
  q.qmin = -4;
  q.qmax = 4;
  cpu::fake_quantize_tensor(q, "t", t);
  const float want[] = {0.0f, 0.5f, 0.25f, -4.0f, 2.0f, 0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], want[i]) << i;
  q.axis = 2;
  EXPECT_THROW(cpu::fake_quantize_tensor(q, "t", t), Error);
  q.axis = 0;
  try {
    cpu::fake_quantize_tensor(q, "node 'x' output", t);
    FAIL() << "3 scales along an axis of 2 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find("node 'x' output"), std::string::npos);
  }
}

TEST(FakeQuant, DynamicRowGrids) {
  const float mixed[] = {-1.0f, 0.0f, 3.0f};
  QuantGrid g = cpu::dynamic_row_grid(mixed, 3);
  EXPECT_EQ(g.scale, 4.0f / 255.0f);
  EXPECT_EQ(g.zero_point, 64);  // 255 / 4 = 63.75
  EXPECT_EQ(g.qmin, 0);
  EXPECT_EQ(g.qmax, 255);
  EXPECT_EQ(cpu::quantize_code(3.0f, g), 255);
  EXPECT_EQ(cpu::quantize_code(0.0f, g), 64);
  const float positive[] = {1.0f, 2.0f};
  g = cpu::dynamic_row_grid(positive, 2);
  EXPECT_EQ(g.scale, 2.0f / 255.0f);  // the range includes 0
  EXPECT_EQ(g.zero_point, 0);
  const float negative[] = {-2.0f, -0.5f};
  g = cpu::dynamic_row_grid(negative, 2);
  EXPECT_EQ(g.zero_point, 255);
  const float zeros[] = {0.0f, 0.0f};
  g = cpu::dynamic_row_grid(zeros, 2);
  EXPECT_EQ(g.scale, 1.0f);
  EXPECT_EQ(g.zero_point, 0);
}

}  // namespace
}  // namespace qtx
