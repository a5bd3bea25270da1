// The GEMM floor measurement (tools/cli/matmul_floor.h): refusals of unusable shapes, and
// times that grow with the work (a 256^3 matmul is 32768 times an 8^3 one).
#include "tools/cli/matmul_floor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "qtx/error.h"

namespace qtx::cli {
namespace {

void expect_refused(GemmShape shape, int iterations) {
  try {
    time_matmul_us(shape, GemmKind::kF32, 0, iterations);
    FAIL() << "shape " << shape.m << " x " << shape.k << " x " << shape.n << " accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("matmul floor"), std::string::npos) << e.what();
  }
}

TEST(MatmulFloor, RefusesEmptyHugeShapesAndNoIterations) {
  expect_refused({0, 8, 8}, 1);
  expect_refused({8, -1, 8}, 1);
  expect_refused({int64_t{1} << 20, int64_t{1} << 20, 8}, 1);  // 2^40-element source
  expect_refused({8, 8, 8}, 0);
}

TEST(MatmulFloor, TimesGrowWithTheWorkInBothKinds) {
  for (GemmKind kind : {GemmKind::kF32, GemmKind::kU8S8}) {
    const double small = time_matmul_us({8, 8, 8}, kind, 2, 5);
    const double large = time_matmul_us({256, 256, 256}, kind, 2, 5);
    EXPECT_TRUE(std::isfinite(small) && small > 0.0);
    EXPECT_GT(large, small);
  }
}

}  // namespace
}  // namespace qtx::cli
