// The outlier columns of a dynamic int8 Linear (qtx.fbs, LinearAttrs;
// engine/cpu/linear/outlier_columns.h) against an independent double evaluation of the contract,
// the CPU kernels against the reference bit for bit, the checks on the file's inputs, and the
// converter's choice of weight outlier columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "converter/weight_outliers.h"
#include "engine/cpu/linear/int8_gemm.h"
#include "engine/ops/linear.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::random_tensor;

struct Fixture {
  int64_t m = 6, n = 19, k = 40;
  std::vector<int32_t> fixed = {1, 7, 39};
  Tensor x = random_tensor({6, 40}, 11, 1.0f);
  Tensor w_codes{DType::I8, {19, 40}};
  fb::QuantParamsT w_params;
  Tensor columns{DType::I32, {3}};
  Tensor w_float = random_tensor({19, 3}, 12, 2.0f);
  Tensor bias = random_tensor({19}, 13, 0.1f);
  fb::LinearAttrsT attrs;

  Fixture() {
    std::mt19937 rng(14);
    std::uniform_int_distribution<int> code(-127, 127);
    for (int64_t i = 0; i < w_codes.numel(); ++i) {
      w_codes.data<int8_t>()[i] = static_cast<int8_t>(code(rng));
    }
    for (int64_t r = 0; r < n; ++r) {
      for (int32_t c : fixed)
        w_codes.data<int8_t>()[r * k + c] = 0;  // as the converter leaves them
    }
    w_params.axis = 0;
    for (int64_t r = 0; r < n; ++r) w_params.scales.push_back(0.002f * float(r % 4 + 1));
    std::copy(fixed.begin(), fixed.end(), columns.data<int32_t>());
    // Activation outliers: column 20 in row 2, column 33 in row 5 (>> 4 rms of their rows).
    x.data<float>()[2 * k + 20] = 60.0f;
    x.data<float>()[5 * k + 33] = -45.0f;
    attrs.activation = fb::Activation::Relu;
    attrs.dynamic_quant = true;
    attrs.outlier_ratio = 4.0f;
  }

  ops::LinearQuant quant() const { return {nullptr, &w_params, nullptr}; }
  ops::LinearOutliers outliers() const { return {&columns, &w_float}; }
};

// The contract in double. Row r's float columns: the fixed ones and its largest entries (at
// most max(1, k / 256)) with |x| > ratio * rms(row); the rest of the row on its own per-token
// grid (computed with its float columns at 0); y = relu(acc * sx * sw + b + sum_{j in F_r}
// x[r, j] * wf[n, j]), wf the stored column or the dequantized int8 one (in double here; qtx
// adds the products in float, one column at a time).
std::set<int64_t> float_columns_of(const Fixture& f, int64_t r) {
  const float* row = f.x.data<float>() + r * f.k;
  std::set<int64_t> columns(f.fixed.begin(), f.fixed.end());
  double squares = 0;
  for (int64_t j = 0; j < f.k; ++j) squares += double(row[j]) * row[j];
  const double limit = f.attrs.outlier_ratio * std::sqrt(squares / double(f.k));
  int64_t best = -1;  // k = 40: a budget of one column per row
  for (int64_t j = 0; j < f.k; ++j) {
    if (std::abs(row[j]) > limit && (best < 0 || std::abs(row[j]) > std::abs(row[best]))) best = j;
  }
  if (best >= 0) columns.insert(best);
  return columns;
}

std::vector<double> contract(const Fixture& f) {
  const float* x = f.x.data<float>();
  EXPECT_TRUE(float_columns_of(f, 2).count(20) && float_columns_of(f, 5).count(33));
  EXPECT_FALSE(float_columns_of(f, 0).count(20));  // row 2's outlier is row 2's alone
  std::vector<double> y;
  for (int64_t r = 0; r < f.m; ++r) {
    const std::set<int64_t> float_columns = float_columns_of(f, r);
    std::vector<float> inliers(x + r * f.k, x + (r + 1) * f.k);
    for (int64_t j : float_columns) inliers[size_t(j)] = 0.0f;
    const kernels::QuantGrid g = cpu::dynamic_row_grid(inliers.data(), f.k);
    for (int64_t c = 0; c < f.n; ++c) {
      double acc = 0, extra = 0;
      for (int64_t j = 0; j < f.k; ++j) {
        const double wq = f.w_codes.data<int8_t>()[c * f.k + j];
        acc += double(cpu::quantize_code(inliers[size_t(j)], g) - g.zero_point) * wq;
      }
      for (int64_t j : float_columns) {
        const auto at = std::find(f.fixed.begin(), f.fixed.end(), int32_t(j));
        const double wf =
            at != f.fixed.end()
                ? f.w_float.data<float>()[c * 3 + (at - f.fixed.begin())]
                : f.w_codes.data<int8_t>()[c * f.k + j] * double(f.w_params.scales[size_t(c)]);
        extra += double(x[r * f.k + j]) * wf;
      }
      const double v =
          acc * g.scale * f.w_params.scales[size_t(c)] + f.bias.data<float>()[c] + extra;
      y.push_back(std::max(0.0, v));
    }
  }
  return y;
}

TEST(OutlierColumns, ReferenceMeetsTheContract) {
  const Fixture f;
  const Tensor y =
      ops::linear({"fc", true}, f.attrs, f.x, f.w_codes, &f.bias, f.quant(), {}, f.outliers());
  testing::expect_close(y.data<float>(), contract(f), 1e-5);
}

TEST(OutlierColumns, OutliersChangeTheResult) {
  const Fixture f;
  const Tensor with =
      ops::linear({"fc", true}, f.attrs, f.x, f.w_codes, &f.bias, f.quant(), {}, f.outliers());
  fb::LinearAttrsT plain = f.attrs;
  plain.outlier_ratio = 0.0f;
  const Tensor without = ops::linear({"fc", true}, plain, f.x, f.w_codes, &f.bias, f.quant(), {});
  EXPECT_NE(0, std::memcmp(with.raw(), without.raw(), with.nbytes()));
}

// A row's float columns are its own: run alone, row 2 gives what it gives in the batch.
TEST(OutlierColumns, ARowsResultDoesNotDependOnItsBatch) {
  const Fixture f;
  const Tensor batch =
      ops::linear({"fc", true}, f.attrs, f.x, f.w_codes, &f.bias, f.quant(), {}, f.outliers());
  for (int64_t r : {0, 2, 5}) {
    Tensor row(DType::F32, {1, f.k});
    std::copy_n(f.x.data<float>() + r * f.k, f.k, row.data<float>());
    const Tensor alone =
        ops::linear({"fc", true}, f.attrs, row, f.w_codes, &f.bias, f.quant(), {}, f.outliers());
    EXPECT_EQ(0, std::memcmp(alone.raw(), batch.data<float>() + r * f.n, alone.nbytes()))
        << "row " << r;
  }
}

TEST(OutlierColumns, CpuKernelsEqualReferenceBitForBit) {
  const Fixture f;
  const Tensor want =
      ops::linear({"fc", true}, f.attrs, f.x, f.w_codes, &f.bias, f.quant(), {}, f.outliers());
  const kernels::Int8Weight iw = ops::int8_weight({"fc", false}, f.w_codes, &f.w_params);
  const auto engine = std::make_shared<const cpu::DnnlEngine>();
  for (cpu::Int8Kernel kernel : {cpu::Int8Kernel::kAuto, cpu::Int8Kernel::kReference}) {
    const cpu::Int8Gemm gemm(engine, iw, {nullptr, f.bias.data<float>(), f.attrs.activation},
                             kernel, "fc");
    for (int threads : {1, 3}) {
      const Tensor got = ops::linear({"fc", false, threads}, f.attrs, f.x, f.w_codes, &f.bias,
                                     f.quant(), {nullptr, &gemm}, f.outliers());
      ASSERT_EQ(0, std::memcmp(got.raw(), want.raw(), want.nbytes()))
          << cpu::int8_kernel_name(gemm.kernel()) << ", " << threads << " threads";
    }
  }
}

TEST(OutlierColumns, BrokenInputsAreFileErrors) {
  Fixture f;
  const auto error_of = [&](const fb::LinearAttrsT& attrs, const ops::LinearQuant& quant,
                            const ops::LinearOutliers& outliers) {
    try {
      ops::linear({"fc", true}, attrs, f.x, f.w_codes, &f.bias, quant, {}, outliers);
    } catch (const Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(ErrorCode::kInternal, std::string("no error"));
  };
  f.columns.data<int32_t>()[1] = 1;  // not increasing
  auto [code, what] = error_of(f.attrs, f.quant(), f.outliers());
  EXPECT_EQ(code, ErrorCode::kInvalidFile);
  EXPECT_NE(what.find("increase strictly"), std::string::npos) << what;
  f.columns.data<int32_t>()[1] = 40;  // past k
  EXPECT_EQ(error_of(f.attrs, f.quant(), f.outliers()).first, ErrorCode::kInvalidFile);
  f.columns.data<int32_t>()[1] = 7;
  const Tensor narrow = random_tensor({19, 2}, 1);
  std::tie(code, what) = error_of(f.attrs, f.quant(), {&f.columns, &narrow});
  EXPECT_EQ(code, ErrorCode::kInvalidFile);
  EXPECT_NE(what.find("outlier weight"), std::string::npos) << what;
  EXPECT_EQ(error_of(f.attrs, f.quant(), {&f.columns, nullptr}).first, ErrorCode::kInvalidFile);
  // A static Linear has no per-call grid to take columns out of.
  const fb::QuantParamsT static_input = [] {
    fb::QuantParamsT q;
    q.scales = {0.05f};
    q.zero_points = {128};
    q.qmin = 0;
    q.qmax = 255;
    return q;
  }();
  fb::LinearAttrsT attrs = f.attrs;
  attrs.dynamic_quant = false;
  std::tie(code, what) = error_of(attrs, {&static_input, &f.w_params, nullptr}, f.outliers());
  EXPECT_EQ(code, ErrorCode::kUnsupported);
  EXPECT_NE(what.find("dynamic"), std::string::npos) << what;
}

TEST(WeightOutliers, FindsTheColumnsOfOutlierWeightsWithinTheBudget) {
  Tensor w = random_tensor({32, 256}, 5, 0.02f);  // budget: 256 / 64 = 4 columns
  for (int64_t c : {3, 100, 101, 200, 250}) w.data<float>()[7 * 256 + c] = 0.5f + 0.01f * float(c);
  const std::vector<int32_t> columns = convert::weight_outlier_columns(w);
  EXPECT_EQ(columns, (std::vector<int32_t>{100, 101, 200, 250}));  // the most extreme four
  const std::vector<float> before(w.data<float>(), w.data<float>() + w.numel());
  const Tensor taken = convert::take_columns(w, columns);
  ASSERT_EQ(taken.shape(), (Shape{32, 4}));
  for (int64_t r = 0; r < 32; ++r) {
    for (size_t i = 0; i < columns.size(); ++i) {
      EXPECT_EQ(taken.data<float>()[r * 4 + int64_t(i)], before[size_t(r * 256 + columns[i])]);
      EXPECT_EQ(w.data<float>()[r * 256 + columns[i]], 0.0f);
    }
  }
  // Gaussian weights alone have none.
  EXPECT_TRUE(convert::weight_outlier_columns(random_tensor({64, 512}, 6)).empty());
}

}  // namespace
}  // namespace qtx
