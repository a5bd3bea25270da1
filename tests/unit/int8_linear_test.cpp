// The int8 Linear of the INT8 contract (qtx.fbs, LinearAttrs): every GEMM kernel (oneDNN on
// VNNI, the exact AVX2 kernel, the reference loops) gives bit-identical int32 accumulators on
// random shapes (odd sizes, one row, a thousand rows) and codes (u8 and s8, any zero point);
// the op's float outputs equal an independent double evaluation of the contract; the
// vpmaddubsw saturation that breaks oneDNN without VNNI cannot happen in qtx's kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/cpu/dnnl_int8_matmul.h"
#include "engine/cpu/int8_gemm.h"
#include "engine/cpu/int8_gemm_avx2.h"
#include "engine/ops/linear.h"
#include "qtx/error.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::random_tensor;

struct Case {
  int64_t m, n, k;
};

const Case kCases[] = {{1, 1, 1},    {1, 768, 768},  {7, 13, 5},    {1000, 67, 33},
                       {3, 50, 129}, {128, 96, 200}, {17, 33, 767}, {2, 16, 4}};

// Weights with every code in [-127, 127] and a few at the extremes.
std::vector<int8_t> random_codes(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-127, 127);
  std::vector<int8_t> w(static_cast<size_t>(count));
  for (auto& v : w) v = static_cast<int8_t>(dist(rng));
  w[0] = 127;
  w.back() = -127;
  return w;
}

cpu::ActivationCodes random_activations(int64_t m, int64_t k, bool is_signed, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> code(is_signed ? -128 : 0, is_signed ? 127 : 255);
  std::uniform_int_distribution<int> zero(is_signed ? -20 : 0, is_signed ? 20 : 255);
  cpu::ActivationCodes x;
  x.m = m;
  x.k = k;
  x.is_signed = is_signed;
  for (int64_t i = 0; i < m * k; ++i) x.bytes.push_back(static_cast<uint8_t>(code(rng)));
  for (int64_t r = 0; r < m; ++r) {
    x.scales.push_back(0.01f * static_cast<float>(r % 7 + 1));
    x.zero_points.push_back(zero(rng));
  }
  return x;
}

std::vector<cpu::Int8Kernel> fast_kernels() {
  std::vector<cpu::Int8Kernel> kernels;
  if (cpu::best_int8_kernel() == cpu::Int8Kernel::kOneDnn)
    kernels.push_back(cpu::Int8Kernel::kOneDnn);
  if (cpu::Avx2Int8Gemm::supported()) kernels.push_back(cpu::Int8Kernel::kAvx2);
  return kernels;
}

TEST(Int8Gemm, AccumulatorsEqualReferenceBitForBit) {
  ASSERT_FALSE(fast_kernels().empty()) << "no fast int8 kernel on this CPU";
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    const std::vector<int8_t> codes = random_codes(c.n * c.k, seed++);
    const float scale = 0.02f;
    const cpu::Int8Weight w{codes.data(), c.n, c.k, &scale, false};
    for (bool is_signed : {false, true}) {
      const cpu::ActivationCodes x = random_activations(c.m, c.k, is_signed, seed++);
      std::vector<int32_t> want(static_cast<size_t>(c.m * c.n));
      cpu::int8_accumulate_reference(x, w, want.data());
      for (cpu::Int8Kernel kernel : fast_kernels()) {
        SCOPED_TRACE(::testing::Message()
                     << c.m << "x" << c.n << "x" << c.k << " " << cpu::int8_kernel_name(kernel)
                     << (is_signed ? " s8" : " u8"));
        const cpu::Int8Gemm gemm(w, is_signed, kernel, "test");
        std::vector<int32_t> got(want.size());
        gemm.accumulate(x, 0, got.data());
        ASSERT_EQ(got, want);
        // Again at another row count: primitives are cached per row count.
        const cpu::ActivationCodes x2 = random_activations(c.m + 3, c.k, is_signed, seed++);
        std::vector<int32_t> want2(static_cast<size_t>(x2.m * c.n)), got2(want2.size());
        cpu::int8_accumulate_reference(x2, w, want2.data());
        gemm.accumulate(x2, 1, got2.data());
        ASSERT_EQ(got2, want2);
      }
    }
  }
}

// u8 255 times s8 127 in every position: each vpmaddubsw pair sum would be 64770, which
// saturates at 32767 in int16.
TEST(Int8Gemm, ExactWhereVpmaddubswPairsSaturate) {
  const int64_t m = 4, n = 32, k = 64;
  const std::vector<int8_t> codes(static_cast<size_t>(n * k), 127);
  const float scale = 1.0f;
  const cpu::Int8Weight w{codes.data(), n, k, &scale, false};
  cpu::ActivationCodes x;
  x.m = m;
  x.k = k;
  x.bytes.assign(static_cast<size_t>(m * k), 255);
  x.scales.assign(static_cast<size_t>(m), 1.0f);
  x.zero_points.assign(static_cast<size_t>(m), 0);
  std::vector<int32_t> want(static_cast<size_t>(m * n));
  cpu::int8_accumulate_reference(x, w, want.data());
  ASSERT_EQ(want[0], 255 * 127 * k);
  for (cpu::Int8Kernel kernel : fast_kernels()) {
    const cpu::Int8Gemm gemm(w, false, kernel, "test");
    std::vector<int32_t> got(want.size());
    gemm.accumulate(x, 0, got.data());
    EXPECT_EQ(got, want) << cpu::int8_kernel_name(kernel);
  }
  // oneDNN 2.6 itself, which qtx only uses with VNNI: exact there; without VNNI every pair
  // sum saturates (measured on AVX2: 32767 * k / 2 = 1048544 instead of 2072640).
  const cpu::DnnlInt8Matmul onednn(codes.data(), n, k, false);
  std::vector<int32_t> raw(want.size());
  onednn.run(x.bytes.data(), m, raw.data());
  if (cpu::best_int8_kernel() == cpu::Int8Kernel::kOneDnn) {
    EXPECT_EQ(raw, want);
  } else {
    EXPECT_LT(raw[0], want[0]) << "oneDNN without VNNI no longer saturates: int8_gemm.h's "
                                  "kernel choice can be revisited";
  }
}

// The contract evaluated independently in double: codes from x by its grid (or per row),
// y = act(sum_k (xq - zx) * wq * sx * sw[n] + b[n]).
std::vector<double> contract_linear(const Tensor& x, const std::vector<int8_t>& wq,
                                    const std::vector<float>& sw, const Tensor& b,
                                    const cpu::QuantGrid* grid, int64_t n) {
  const int64_t k = x.dim(-1), m = x.numel() / k;
  std::vector<double> y;
  for (int64_t r = 0; r < m; ++r) {
    const float* row = x.data<float>() + r * k;
    const cpu::QuantGrid g = grid ? *grid : cpu::dynamic_row_grid(row, k);
    for (int64_t c = 0; c < n; ++c) {
      double acc = 0;
      for (int64_t i = 0; i < k; ++i) {
        acc += double(cpu::quantize_code(row[i], g) - g.zero_point) * wq[size_t(c * k + i)];
      }
      const double s = double(g.scale) * sw[sw.size() == 1 ? 0 : size_t(c)];
      y.push_back(std::max(0.0, acc * s + b.data<float>()[c]));  // ReLU
    }
  }
  return y;
}

struct Mode {
  const char* name;
  bool is_static;
  cpu::QuantGrid grid;
};

TEST(Int8Linear, OpMatchesContractOnBothBackends) {
  const Mode modes[] = {{"static asymmetric", true, {0.03f, 117, 0, 255}},
                        {"static symmetric", true, {0.05f, 0, -127, 127}},
                        {"dynamic", false, {}}};
  uint32_t seed = 100;
  for (const Case& c : kCases) {
    for (const Mode& mode : modes) {
      for (bool per_channel : {true, false}) {
        SCOPED_TRACE(::testing::Message() << c.m << "x" << c.n << "x" << c.k << " " << mode.name
                                          << (per_channel ? " per-channel" : " per-tensor"));
        Tensor x = random_tensor({c.m, c.k}, seed++, 2.0f);
        fb::QuantParamsT xq;
        xq.scales = {mode.grid.scale};
        xq.zero_points = {mode.grid.zero_point};
        xq.qmin = mode.grid.qmin;
        xq.qmax = mode.grid.qmax;
        if (mode.is_static) cpu::fake_quantize(mode.grid, x.data<float>(), x.numel());
        std::vector<int8_t> wq = random_codes(c.n * c.k, seed++);
        Tensor w(DType::I8, {c.n, c.k});
        std::copy(wq.begin(), wq.end(), w.data<int8_t>());
        fb::QuantParamsT wp;
        wp.axis = per_channel ? 0 : -1;
        for (int64_t i = 0; i < (per_channel ? c.n : 1); ++i) {
          wp.scales.push_back(0.001f * static_cast<float>(i % 5 + 1));
        }
        const Tensor b = random_tensor({c.n}, seed++);
        fb::LinearAttrsT attrs;
        attrs.activation = fb::Activation::Relu;
        attrs.dynamic_quant = !mode.is_static;
        const ops::LinearQuant quant{mode.is_static ? &xq : nullptr, &wp, nullptr};
        const std::string name = "layer.0.fc1";
        const Tensor want = ops::linear({name, true}, attrs, x, w, &b, quant, {});
        testing::expect_close(
            want.data<float>(),
            contract_linear(x, wq, wp.scales, b, mode.is_static ? &mode.grid : nullptr, c.n), 1e-5);
        const cpu::Int8Weight iw = ops::int8_weight({name, false}, w, &wp);
        for (cpu::Int8Kernel kernel : fast_kernels()) {
          const cpu::Int8Gemm gemm(iw, mode.is_static && mode.grid.qmin < 0, kernel, name);
          const Tensor got = ops::linear({name, false}, attrs, x, w, &b, quant, {nullptr, &gemm});
          // One epilogue shared by both backends: equal accumulators give equal floats.
          ASSERT_EQ(0, std::memcmp(got.raw(), want.raw(), want.nbytes()))
              << cpu::int8_kernel_name(kernel);
        }
      }
    }
  }
}

TEST(Int8Linear, WeightOnlyAndFusedOutputQuantization) {
  const Tensor x = random_tensor({5, 24}, 3);
  Tensor w(DType::I8, {6, 24});
  const std::vector<int8_t> wq = random_codes(6 * 24, 4);
  std::copy(wq.begin(), wq.end(), w.data<int8_t>());
  fb::QuantParamsT wp;
  wp.axis = 0;
  wp.scales = {0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f};
  fb::QuantParamsT out;
  out.scales = {0.0625f};
  out.zero_points = {128};
  out.qmin = 0;
  out.qmax = 255;
  const std::string name = "attention.q";
  const Tensor y = ops::linear({name, true}, {}, x, w, nullptr, {nullptr, &wp, &out}, {});
  const cpu::QuantGrid grid{0.0625f, 128, 0, 255};
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t c = 0; c < 6; ++c) {
      double acc = 0;
      for (int64_t i = 0; i < 24; ++i) {
        acc += double(x.data<float>()[r * 24 + i]) * wq[size_t(c * 24 + i)] * wp.scales[size_t(c)];
      }
      float want = static_cast<float>(acc);
      cpu::fake_quantize(grid, &want, 1);
      EXPECT_EQ(y.data<float>()[r * 6 + c], want) << r << "," << c;
    }
  }
}

TEST(Int8Linear, RefusesBrokenWeights) {
  const Tensor x = random_tensor({2, 4}, 1);
  Tensor w(DType::I8, {3, 4});
  fb::QuantParamsT wp;
  wp.axis = 0;
  wp.scales = {1.0f, 1.0f};
  fb::LinearAttrsT attrs;
  attrs.dynamic_quant = true;
  const std::string name = "layer.3.fc2";
  auto expect_error = [&](const fb::QuantParamsT* params, ErrorCode code, const char* what) {
    try {
      ops::linear({name, true}, attrs, x, w, nullptr, {nullptr, params, nullptr}, {});
      FAIL() << "accepted: " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << what;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  expect_error(&wp, ErrorCode::kInvalidFile, "2 scales for 3 channels");
  expect_error(nullptr, ErrorCode::kInvalidFile, "no scales");
  wp.scales = {1.0f};
  wp.zero_points = {3};
  expect_error(&wp, ErrorCode::kUnsupported, "asymmetric weights");
  wp.zero_points.clear();
  w.data<int8_t>()[5] = -128;
  const cpu::Int8Weight iw = ops::int8_weight({name, false}, w, &wp);
  EXPECT_THROW(cpu::Int8Gemm(iw, false, cpu::Int8Kernel::kAuto, name), Error);
}

}  // namespace
}  // namespace qtx
