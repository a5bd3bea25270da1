#include "engine/graph/tensor.h"

#include <gtest/gtest.h>

#include "qtx/error.h"

namespace qtx {
namespace {

TEST(Tensor, OwnedTensorIsZeroFilledAndAligned) {
  Tensor t(DType::F32, {3, 5});
  EXPECT_EQ(t.numel(), 15);
  EXPECT_EQ(t.nbytes(), 60u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
}

TEST(Tensor, ViewIsReadOnlyAndTypeChecked) {
  const float values[2] = {1.0f, 2.0f};
  const Tensor v = Tensor::view(DType::F32, {2}, values, nullptr);
  EXPECT_EQ(v.data<float>()[1], 2.0f);
  Tensor w = v;
  EXPECT_THROW(w.data<float>(), Error);
  EXPECT_THROW(v.data<int32_t>(), Error);
}

TEST(Tensor, ReshapeKeepsElementCount) {
  Tensor t(DType::I32, {2, 6});
  EXPECT_EQ(t.reshaped({3, 4}).dim(-1), 4);
  EXPECT_THROW(t.reshaped({5}), Error);
  EXPECT_THROW(shape_numel({1LL << 40, 1LL << 40}), Error);
}

}  // namespace
}  // namespace qtx
