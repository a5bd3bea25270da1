// The Linear op: the reference kernel against hand-computed values, and the oneDNN matmul
// (reordered weights, fused bias and activation) against the reference on random shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "engine/cpu/dnnl_linear.h"
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

TEST(Linear, OneDnnMatchesReference) {
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
        const Tensor want = run_linear(x, w, bias, act, nullptr);
        const Tensor got = run_linear(x, w, bias, act, &fast);
        SCOPED_TRACE(::testing::Message()
                     << s.m << "x" << s.n << "x" << s.k << " act " << static_cast<int>(act));
        testing::expect_close(got, want, 1e-5);
        // The same primitive again (cached) and at another row count.
        const Tensor x2 = random_tensor({s.m + 2, s.k}, seed++);
        testing::expect_close(run_linear(x2, w, bias, act, &fast),
                              run_linear(x2, w, bias, act, nullptr), 1e-5);
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
