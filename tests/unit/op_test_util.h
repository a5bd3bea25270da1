// Helpers shared by the op, attention, matmul and executor tests: seeded random tensors and
// element-wise comparison with a tolerance relative to the reference's magnitude.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::testing {

inline Tensor random_tensor(Shape shape, uint32_t seed, float scale = 1.0f) {
  Tensor t(DType::F32, std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

inline Tensor int_tensor(Shape shape, const std::vector<int32_t>& values) {
  Tensor t(DType::I32, std::move(shape));
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  for (size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
  return t;
}

// |got - want| <= tol * max(1, max|want|) for every element.
inline void expect_close(const float* got, const std::vector<double>& want, double tol) {
  double scale = 1.0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * scale) << "at element " << i;
  }
}

inline void expect_close(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  std::vector<double> w(want.data<float>(), want.data<float>() + want.numel());
  expect_close(got.data<float>(), w, tol);
}

}  // namespace qtx::testing
