// The vectorisable exp/tanh/erf of engine/cpu/common/vector_math.h against the C library in double,
// over the ranges their callers use (softmax and erf pass x <= 0; GELU and the pooler's tanh
// any finite x), with the error bounds the header promises.
#include "engine/cpu/common/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qtx::cpu {
namespace {

TEST(VectorMath, ExpWithinTwoUlpOverSoftmaxRange) {
  double worst = 0.0;
  for (double v = -87.0; v <= 0.0; v += 1e-3) {
    const auto x = static_cast<float>(v);
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::fabs(exp_nonpositive(x) - want) / want);
  }
  EXPECT_LT(worst, 2.4e-7);  // 2 ulp of float
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
}

TEST(VectorMath, ExpOfHugeNegativesIsTinyNotNan) {
  for (float x : {-87.5f, -100.0f, -1e30f, -INFINITY, NAN}) {
    const float e = exp_nonpositive(x);
    EXPECT_GT(e, 0.0f) << x;
    EXPECT_LT(e, 2e-38f) << x;
  }
}

TEST(VectorMath, TanhAndErfWithinTheirAbsoluteBounds) {
  double tanh_worst = 0.0, erf_worst = 0.0;
  for (double v = -12.0; v <= 12.0; v += 1e-4) {
    const auto x = static_cast<float>(v);
    tanh_worst = std::max(tanh_worst, std::fabs(tanh_fast(x) - std::tanh(static_cast<double>(x))));
    erf_worst = std::max(erf_worst, std::fabs(erf_fast(x) - std::erf(static_cast<double>(x))));
  }
  EXPECT_LT(tanh_worst, 3e-7);
  EXPECT_LT(erf_worst, 1e-6);
  EXPECT_EQ(tanh_fast(INFINITY), 1.0f);
  EXPECT_EQ(tanh_fast(-INFINITY), -1.0f);
  EXPECT_EQ(erf_fast(INFINITY), 1.0f);
  EXPECT_EQ(erf_fast(-INFINITY), -1.0f);
}

TEST(VectorMath, OddFunctionsKeepTheSign) {
  for (float x : {1e-30f, 1e-3f, 0.5f, 3.0f}) {
    EXPECT_EQ(tanh_fast(-x), -tanh_fast(x));
    EXPECT_EQ(erf_fast(-x), -erf_fast(x));
  }
}

}  // namespace
}  // namespace qtx::cpu
