// The Linear op: the reference kernel against hand-computed values, and the oneDNN matmul
// (reordered weights, fused bias and activation) and the reference against double precision
// on random shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "engine/cpu/linear/dnnl_linear.h"
#include "engine/ops/linear.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::random_tensor;

Tensor run_linear(const Tensor& x, const Tensor& w, const Tensor* b, fb::Activation act,
                  const cpu::DnnlLinear* prepared) {
  fb::LinearAttrsT attrs;
  attrs.activation = act;
  const std::string name = "layer.0.fc1";
  return ops::linear({name, prepared == nullptr}, attrs, x, w, b, prepared);
}

TEST(Linear, ReferenceMatchesHandComputed) {
  Tensor x(DType::F32, {1, 2, 3});
  Tensor w(DType::F32, {2, 3});
  Tensor b(DType::F32, {2});
  const float xv[] = {1, 2, 3, -1, 0, 2}, wv[] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, bv[] = {0.5f, -4};
  std::copy_n(xv, 6, x.data<float>());
  std::copy_n(wv, 6, w.data<float>());
  std::copy_n(bv, 2, b.data<float>());
  // Rows: x0 . w = {-2, 3}, x1 . w = {-3, 0.5}; plus bias {0.5, -4}.
  const Tensor y = run_linear(x, w, &b, fb::Activation::None, nullptr);
  ASSERT_EQ(y.shape(), (Shape{1, 2, 2}));
  EXPECT_FLOAT_EQ(y.data<float>()[0], -1.5f);
  EXPECT_FLOAT_EQ(y.data<float>()[1], -1.0f);
  EXPECT_FLOAT_EQ(y.data<float>()[2], -2.5f);
  EXPECT_FLOAT_EQ(y.data<float>()[3], -3.5f);
  const Tensor r = run_linear(x, w, &b, fb::Activation::Relu, nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.data<float>()[i], 0.0f);
}

struct Shape3 {
  int64_t m, n, k;
};

double activation_in_double(fb::Activation act, double v) {
  switch (act) {
    case fb::Activation::Gelu:
      return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case fb::Activation::GeluTanh:
      return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
    case fb::Activation::Relu:
      return v > 0.0 ? v : 0.0;
    case fb::Activation::Tanh:
      return std::tanh(v);
    case fb::Activation::None:
      break;
  }
  return v;
}

// Checks y = act(x W^T + b) element by element against the same sum in double. A float32
// kernel may sum in any order (oneDNN picks blockings per ISA: AVX2 here, AVX-512 or AMX
// elsewhere), so the bound is the classic one for a float dot product, k * eps * sum |x w|,
// plus the float activations' own error (vector_math.h: erf within 1.5e-7, GELU's slope
// below 1.13).
void expect_linear_close(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor* b,
                         fb::Activation act) {
  const int64_t n = w.dim(0), k = w.dim(1), m = x.numel() / k;
  constexpr double kEps = 0x1p-23;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double sum = b ? b->data<float>()[c] : 0.0, magnitude = std::abs(sum);
      for (int64_t i = 0; i < k; ++i) {
        const double term = double{x.data<float>()[r * k + i]} * w.data<float>()[c * k + i];
        sum += term;
        magnitude += std::abs(term);
      }
      const double want = activation_in_double(act, sum);
      const double bound =
          1.13 * static_cast<double>(k + 1) * kEps * magnitude + 4.0 * kEps * std::abs(want) + 1e-6;
      ASSERT_NEAR(y.data<float>()[r * n + c], want, bound) << "row " << r << " column " << c;
    }
  }
}

TEST(Linear, OneDnnAndReferenceMatchDoublePrecision) {
  const auto engine = std::make_shared<const cpu::DnnlEngine>();
  const Shape3 shapes[] = {{1, 1, 1}, {1, 768, 192}, {7, 13, 5}, {128, 192, 768}, {3, 50, 192}};
  const fb::Activation acts[] = {fb::Activation::None, fb::Activation::Gelu,
                                 fb::Activation::GeluTanh, fb::Activation::Relu,
                                 fb::Activation::Tanh};
  uint32_t seed = 1;
  for (const Shape3& s : shapes) {
    for (fb::Activation act : acts) {
      for (bool with_bias : {true, false}) {
        const Tensor x = random_tensor({s.m, s.k}, seed++);
        const Tensor w = random_tensor({s.n, s.k}, seed++, 0.2f);
        const Tensor b = random_tensor({s.n}, seed++);
        const Tensor* bias = with_bias ? &b : nullptr;
        const cpu::DnnlLinear fast(engine, w.data<float>(), bias ? b.data<float>() : nullptr, s.n,
                                   s.k, act);
        SCOPED_TRACE(::testing::Message()
                     << s.m << "x" << s.n << "x" << s.k << " act " << static_cast<int>(act));
        expect_linear_close(run_linear(x, w, bias, act, nullptr), x, w, bias, act);
        expect_linear_close(run_linear(x, w, bias, act, &fast), x, w, bias, act);
        // The same primitive again (cached) and at another row count.
        const Tensor x2 = random_tensor({s.m + 2, s.k}, seed++);
        expect_linear_close(run_linear(x2, w, bias, act, &fast), x2, w, bias, act);
      }
    }
  }
}

TEST(Linear, ShapeMismatchNamesTheNode) {
  const Tensor x = random_tensor({2, 4}, 1), w = random_tensor({3, 5}, 2);
  try {
    run_linear(x, w, nullptr, fb::Activation::None, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer.0.fc1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qtx
