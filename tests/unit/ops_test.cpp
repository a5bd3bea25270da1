// Embedding, LayerNorm, Activation, Add and Pooling against hand-computed values and naive
// double-precision loops, with the errors a caller can cause.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/ops/activation.h"
#include "engine/ops/add.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layer_norm.h"
#include "engine/ops/pooling.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::int_tensor;
using testing::random_tensor;

const std::string kNode = "embeddings.sum";
const ops::OpContext kCtx{kNode, false};

// Table row r holds r * 10 + column, so a looked-up sum reveals which rows were used.
Tensor table(int64_t rows, int64_t cols, float base) {
  Tensor t(DType::F32, {rows, cols});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      t.data<float>()[r * cols + c] = base + static_cast<float>(r * 10 + c);
    }
  }
  return t;
}

TEST(Embedding, ArangeWithTokenTypeZero) {
  const Tensor word = table(6, 3, 0), pos = table(4, 3, 1000), type = table(2, 3, 500);
  const Tensor ids = int_tensor({1, 2}, {5, 2});
  const Tensor mask = int_tensor({1, 2}, {1, 1});
  fb::EmbeddingAttrsT attrs;
  const Tensor y = ops::embedding(kCtx, attrs, {ids, mask, word, pos, &type, nullptr});
  ASSERT_EQ(y.shape(), (Shape{1, 2, 3}));
  // Token 1: word row 2 (20), type row 0 (500), position row 1 (1010); column 2 adds 3 * 2.
  EXPECT_EQ(y.data<float>()[3], 20.0f + 500.0f + 1010.0f);
  EXPECT_EQ(y.data<float>()[5], 22.0f + 502.0f + 1012.0f);
}

TEST(Embedding, FromMaskCountsRealTokensWithOffset) {
  const Tensor word = table(4, 1, 0), pos = table(8, 1, 1000);
  // Left-padded row: positions (cumsum * mask - 1) + 2 = {1, 1, 2, 3}.
  const Tensor ids = int_tensor({1, 4}, {0, 0, 1, 1});
  const Tensor mask = int_tensor({1, 4}, {0, 0, 1, 1});
  fb::EmbeddingAttrsT attrs;
  attrs.positions = fb::PositionMode::FromMask;
  attrs.position_offset = 2;
  const Tensor y = ops::embedding(kCtx, attrs, {ids, mask, word, pos, nullptr, nullptr});
  const float want[] = {1010, 1010, 1030, 1040};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y.data<float>()[i], want[i]) << i;
  // One new token after 4 cached ones: its position is the count of real tokens so far.
  const Tensor step = ops::embedding(
      kCtx, attrs,
      {int_tensor({1, 1}, {3}), int_tensor({1, 5}, {0, 0, 1, 1, 1}), word, pos, nullptr, nullptr});
  EXPECT_EQ(step.data<float>()[0], 30.0f + 1040.0f);
}

TEST(Embedding, OutOfRangeIdAndPositionAreNamed) {
  const Tensor word = table(6, 2, 0), pos = table(2, 2, 0);
  fb::EmbeddingAttrsT attrs;
  try {
    ops::embedding(
        kCtx, attrs,
        {int_tensor({1, 2}, {1, 6}), int_tensor({1, 2}, {1, 1}), word, pos, nullptr, nullptr});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("token id 6 is outside [0, 6)"), std::string::npos)
        << e.what();
  }
  try {
    ops::embedding(kCtx, attrs,
                   {int_tensor({1, 3}, {1, 1, 1}), int_tensor({1, 3}, {1, 1, 1}), word, pos,
                    nullptr, nullptr});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("position 2 is outside the position table of 2"),
              std::string::npos)
        << e.what();
  }
}

TEST(LayerNorm, MatchesNaiveDouble) {
  const int64_t rows = 3, n = 7;
  const Tensor x = random_tensor({rows, n}, 1, 3.0f), g = random_tensor({n}, 2);
  const Tensor b = random_tensor({n}, 3);
  fb::LayerNormAttrsT attrs;
  attrs.epsilon = 1e-12f;
  const Tensor y = ops::layer_norm(kCtx, attrs, x, g, b);
  std::vector<double> want;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data<float>() + r * n;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += xr[i] / double(n);
    for (int64_t i = 0; i < n; ++i) var += (xr[i] - mean) * (xr[i] - mean) / double(n);
    for (int64_t i = 0; i < n; ++i) {
      want.push_back((xr[i] - mean) / std::sqrt(var + 1e-12) * g.data<float>()[i] +
                     b.data<float>()[i]);
    }
  }
  testing::expect_close(y.data<float>(), want, 1e-6);
  EXPECT_THROW(ops::layer_norm(kCtx, attrs, x, random_tensor({6}, 4), b), Error);
}

TEST(Activation, HandComputedValues) {
  Tensor x(DType::F32, {4});
  const float xv[] = {-1.0f, 0.0f, 1.0f, 2.0f};
  std::copy_n(xv, 4, x.data<float>());
  auto run = [&](fb::Activation kind) {
    fb::ActivationAttrsT attrs;
    attrs.kind = kind;
    return ops::activation(kCtx, attrs, x);
  };
  // torch.nn.functional.gelu([-1, 0, 1, 2]) and with approximate="tanh".
  const float gelu[] = {-0.15865525f, 0.0f, 0.84134475f, 1.95449974f};
  const float gelu_tanh[] = {-0.15880801f, 0.0f, 0.84119199f, 1.95459769f};
  const Tensor g = run(fb::Activation::Gelu), t = run(fb::Activation::GeluTanh);
  const Tensor r = run(fb::Activation::Relu), h = run(fb::Activation::Tanh);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(g.data<float>()[i], gelu[i], 1e-6f);
    EXPECT_NEAR(t.data<float>()[i], gelu_tanh[i], 1e-6f);
    EXPECT_EQ(r.data<float>()[i], std::max(xv[i], 0.0f));
    EXPECT_NEAR(h.data<float>()[i], std::tanh(xv[i]), 1e-7f);
  }
}

// The value an output quantizer must leave: round half to even of v / scale, clamped to the
// grid's codes around its zero point, times scale (std::nearbyint rounds half to even).
float on_grid(float v, const kernels::QuantGrid& g) {
  const float lo = static_cast<float>(g.qmin - g.zero_point);
  const float hi = static_cast<float>(g.qmax - g.zero_point);
  return std::nearbyint(std::clamp(v / g.scale, lo, hi)) * g.scale;
}

// LayerNorm and Add apply a node's output quantizer themselves (row by row, chunk by chunk,
// on several threads): every element must be exactly the unquantized op's value put on the
// grid, in every row and chunk whatever the split.
TEST(OutputQuantizer, LayerNormAndAddPutEveryElementOnTheGrid) {
  const kernels::QuantGrid grid{0.05f, 128, 0, 255};
  const ops::OpContext threaded{kNode, false, 3};
  const Tensor x = random_tensor({37, 1000}, 5, 4.0f), y = random_tensor({37, 1000}, 6, 4.0f);
  const Tensor g = random_tensor({1000}, 7), b = random_tensor({1000}, 8);
  fb::LayerNormAttrsT attrs;
  attrs.epsilon = 1e-5f;
  const Tensor norm = ops::layer_norm(threaded, attrs, x, g, b);
  const Tensor norm_q = ops::layer_norm(threaded, attrs, x, g, b, &grid);
  const Tensor sum = ops::add(threaded, x, y);
  const Tensor sum_q = ops::add(threaded, x, y, &grid);
  int64_t clamped = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    ASSERT_EQ(norm_q.data<float>()[i], on_grid(norm.data<float>()[i], grid)) << i;
    ASSERT_EQ(sum_q.data<float>()[i], on_grid(sum.data<float>()[i], grid)) << i;
    clamped += std::abs(sum.data<float>()[i]) > 6.4f;
  }
  EXPECT_GT(clamped, 0) << "the sums should reach past the grid's range, to test the clamp";
}

TEST(Add, SumsAndChecksShapes) {
  const Tensor a = random_tensor({2, 3}, 1), b = random_tensor({2, 3}, 2);
  const Tensor y = ops::add(kCtx, a, b);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y.data<float>()[i], a.data<float>()[i] + b.data<float>()[i]);
  EXPECT_THROW(ops::add(kCtx, a, random_tensor({3, 2}, 3)), Error);
}

TEST(Pooling, ClsAndMaskedMean) {
  Tensor x(DType::F32, {2, 3, 2});
  const float xv[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::copy_n(xv, 12, x.data<float>());
  const Tensor mask = int_tensor({2, 3}, {1, 1, 0, 0, 1, 1});
  fb::PoolingAttrsT attrs;
  const Tensor cls = ops::pooling(kCtx, attrs, x, mask);
  EXPECT_EQ(cls.shape(), (Shape{2, 2}));
  EXPECT_EQ(cls.data<float>()[2], 9.0f);  // the first real token, whatever the padding side
  attrs.mode = fb::PoolingMode::Mean;
  const Tensor mean = ops::pooling(kCtx, attrs, x, mask);
  const float want[] = {2, 3, 10, 11};  // (1+3)/2, (2+4)/2, (9+11)/2, (10+12)/2
  for (int i = 0; i < 4; ++i) EXPECT_EQ(mean.data<float>()[i], want[i]);
}

}  // namespace
}  // namespace qtx
