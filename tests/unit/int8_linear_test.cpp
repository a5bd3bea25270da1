// The int8 Linear of the INT8 contract (qtx.fbs, LinearAttrs) on every kernel (int8_gemm.h):
// - the s32 paths (the AVX2 kernel, the reference loops, oneDNN's raw int32 sums) give
//   bit-identical accumulators and outputs on random shapes (odd sizes, one row, hundreds of
//   rows) and codes (u8 and s8, any zero point);
// - the fused oneDNN path (output scales, the zero point folded into the bias, the activation
//   as a post-op) is within float rounding of the reference, and within one step where its
//   output is fake-quantized; oneDNN 2.6 adds the bias before the output scales; a row's result
//   does not depend on how many rows run with it;
// - the op's float outputs equal an independent double evaluation of the contract;
// - the vpmaddubsw saturation that breaks oneDNN without VNNI cannot happen in qtx's kernels.
// Without VNNI oneDNN is exact only while no u8 x s8 pair sum can saturate int16, so the
// oneDNN tests keep u8 codes in [0, 127] and s8 codes in [-128, -1] there (oneDNN adds 128 to
// s8 sources): they check qtx's use of oneDNN on any x86 CPU, and with every code on VNNI.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "engine/cpu/linear/dnnl_int8_matmul.h"
#include "engine/cpu/linear/int8_gemm.h"
#include "engine/cpu/linear/int8_gemm_avx2.h"
#include "engine/ops/linear.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "qtx/error.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::random_tensor;

struct Case {
  int64_t m, n, k;
};

// Besides odd sizes: {2, 100, 70} runs the AVX2 kernel's 2-row tiles four weight blocks wide,
// {45, 601, 1101} several row panels over several L2 groups of weight blocks.
const Case kCases[] = {{1, 1, 1},      {1, 768, 768}, {7, 13, 5}, {1000, 67, 33}, {3, 50, 129},
                       {128, 96, 200}, {17, 33, 767}, {2, 16, 4}, {2, 100, 70},   {45, 601, 1101}};

const fb::Activation kActivations[] = {fb::Activation::None, fb::Activation::Gelu,
                                       fb::Activation::GeluTanh, fb::Activation::Relu,
                                       fb::Activation::Tanh};

struct CodeRange {
  int lo, hi;
};

// One engine for the whole test, as one Executor shares its engine among its Linears.
std::shared_ptr<const cpu::DnnlEngine> engine() {
  static const auto shared = std::make_shared<const cpu::DnnlEngine>();
  return shared;
}

bool onednn_has_vnni() {
  return cpu::best_int8_kernel() == cpu::Int8Kernel::kOneDnn;
}

// The codes a kernel multiplies exactly on this CPU (see the top of the file).
CodeRange exact_range(cpu::Int8Kernel kernel, bool is_signed) {
  if (kernel == cpu::Int8Kernel::kOneDnn && !onednn_has_vnni()) {
    return is_signed ? CodeRange{-128, -1} : CodeRange{0, 127};
  }
  return is_signed ? CodeRange{-128, 127} : CodeRange{0, 255};
}

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

// Codes in `range` with unit scales and random zero points in it.
kernels::ActivationCodes random_activations(int64_t m, int64_t k, bool is_signed, CodeRange range,
                                            uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> code(range.lo, range.hi);
  kernels::ActivationCodes x(m, k, is_signed);
  for (int64_t i = 0; i < m * k; ++i) x.bytes[static_cast<size_t>(i)] = uint8_t(code(rng));
  for (int64_t r = 0; r < m; ++r) {
    x.scales[static_cast<size_t>(r)] = 1.0f;
    x.zero_points[static_cast<size_t>(r)] = code(rng);
  }
  return x;
}

std::vector<float> run(const cpu::Int8Gemm& gemm, const kernels::ActivationCodes& x, int64_t n,
                       const kernels::QuantGrid* output = nullptr) {
  std::vector<float> y(static_cast<size_t>(x.m * n));
  gemm.run(x, output, 0, y.data());
  return y;
}

// The s32 kernels of each input kind: oneDNN's raw sums serve dynamic (u8) inputs; static s8
// inputs on oneDNN take the fused path, tested below.
std::vector<cpu::Int8Kernel> s32_kernels(bool is_signed) {
  std::vector<cpu::Int8Kernel> kernels = {cpu::Int8Kernel::kReference};
  if (cpu::Avx2Int8Gemm::supported()) kernels.push_back(cpu::Int8Kernel::kAvx2);
  if (!is_signed) kernels.push_back(cpu::Int8Kernel::kOneDnn);
  return kernels;
}

// With unit scales, no bias and no activation, y is float(acc), exact below 2^24.
TEST(Int8Gemm, S32AccumulatorsEqualReferenceBitForBit) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    const std::vector<int8_t> codes = random_codes(c.n * c.k, seed++);
    const float scale = 1.0f;
    const kernels::Int8Weight w{codes.data(), c.n, c.k, &scale, false};
    for (bool is_signed : {false, true}) {
      for (cpu::Int8Kernel kernel : s32_kernels(is_signed)) {
        SCOPED_TRACE(::testing::Message()
                     << c.m << "x" << c.n << "x" << c.k << " " << cpu::int8_kernel_name(kernel)
                     << (is_signed ? " s8" : " u8"));
        const CodeRange range = exact_range(kernel, is_signed);
        // Static s8 inputs share one grid; dynamic u8 ones have a zero point per row.
        kernels::QuantGrid grid{1.0f, 0, -128, 127};
        const cpu::Int8Gemm gemm(engine(), w, {is_signed ? &grid : nullptr, nullptr}, kernel,
                                 "test");
        ASSERT_FALSE(gemm.fused());
        // Twice, at two row counts: oneDNN primitives are cached per row count.
        for (int64_t m : {c.m, c.m + 3}) {
          kernels::ActivationCodes x = random_activations(m, c.k, is_signed, range, seed++);
          if (is_signed) std::fill(x.zero_points.begin(), x.zero_points.end(), 0);
          std::vector<int32_t> acc(static_cast<size_t>(m * c.n));
          cpu::int8_accumulate_reference(x, w, acc.data());
          const std::vector<float> want(acc.begin(), acc.end());
          ASSERT_EQ(run(gemm, x, c.n), want) << "m = " << m;
        }
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
  const kernels::Int8Weight w{codes.data(), n, k, &scale, false};
  kernels::ActivationCodes x(m, k, false);
  std::memset(x.bytes.get(), 255, static_cast<size_t>(m * k));
  std::fill(x.scales.begin(), x.scales.end(), 1.0f);
  const float want = 255.0f * 127.0f * k;
  std::vector<cpu::Int8Kernel> kernels = {cpu::Int8Kernel::kReference};
  if (cpu::Avx2Int8Gemm::supported()) kernels.push_back(cpu::Int8Kernel::kAvx2);
  if (onednn_has_vnni()) kernels.push_back(cpu::Int8Kernel::kOneDnn);
  for (cpu::Int8Kernel kernel : kernels) {
    const cpu::Int8Gemm gemm(engine(), w, {}, kernel, "test");
    EXPECT_EQ(run(gemm, x, n), std::vector<float>(m * n, want)) << cpu::int8_kernel_name(kernel);
  }
  // oneDNN 2.6 itself, which qtx only uses with VNNI: exact there; without VNNI every pair
  // sum saturates (measured on AVX2: 32767 * k / 2 = 1048544 instead of 2072640).
  const cpu::DnnlInt8Matmul onednn(engine(), codes.data(), n, k, false, nullptr);
  std::vector<int32_t> raw(static_cast<size_t>(m * n));
  onednn.run(x.bytes.get(), m, raw.data());
  if (onednn_has_vnni()) {
    EXPECT_EQ(raw[0], want);
  } else {
    EXPECT_LT(raw[0], want) << "oneDNN without VNNI no longer saturates: int8_kernel.cpp's "
                               "kernel choice can be revisited";
  }
}

// The fused form's semantics that int8_gemm.cpp relies on: y = scale * (raw + bias). Were the
// bias added after the scales (oneDNN 3's order), y would be 2 * 1 + 3 = 5.
TEST(Int8Gemm, OneDnnAddsBiasBeforeOutputScales) {
  const int8_t weight = 1;
  const uint8_t code = 1;
  for (const fb::Activation act : {fb::Activation::None, fb::Activation::Relu}) {
    const cpu::DnnlDequantization d{{2.0f}, {3.0f}, act};
    const cpu::DnnlInt8Matmul onednn(engine(), &weight, 1, 1, false, &d);
    float y = 0;
    onednn.run(&code, 1, &y);
    EXPECT_EQ(y, 8.0f);
  }
}

// By hand: codes (110, 90, 100, 127) around zero point 100 are (10, -10, 0, 27); weight rows
// (1, 2, 3, 4) and (-5, 5, 7, -1) give 98 and -127; scales 0.5 * (0.25, 2) and bias (1, -3)
// give y = (98 * 0.125 + 1, -127 * 1 - 3) = (13.25, -130), exact in float. The fused path gets
// there from the raw sums (1098, 473) and the bias folded with 100 * rowsum = (1000, 600).
TEST(Int8Gemm, FusedPathFoldsTheZeroPointIntoTheBias) {
  const std::vector<int8_t> codes = {1, 2, 3, 4, -5, 5, 7, -1};
  const std::vector<float> sw = {0.25f, 2.0f};
  const std::vector<float> bias = {1.0f, -3.0f};
  const kernels::Int8Weight w{codes.data(), 2, 4, sw.data(), true};
  const kernels::QuantGrid grid{0.5f, 100, 0, 127};
  kernels::ActivationCodes x(1, 4, false);
  const uint8_t xq[] = {110, 90, 100, 127};
  std::memcpy(x.bytes.get(), xq, 4);
  x.scales = {0.5f};
  x.zero_points = {100};
  const std::vector<float> want = {13.25f, -130.0f};
  const cpu::Int8Gemm fused(engine(), w, {&grid, bias.data()}, cpu::Int8Kernel::kOneDnn, "test");
  ASSERT_TRUE(fused.fused());
  EXPECT_EQ(run(fused, x, 2), want);
  const cpu::Int8Gemm reference(engine(), w, {&grid, bias.data()}, cpu::Int8Kernel::kReference,
                                "test");
  EXPECT_EQ(run(reference, x, 2), want);
}

// The contract evaluated independently in double: codes from x by its grid (or per row),
// y = act(sum_k (xq - zx) * wq * sx * sw[n] + b[n]).
std::vector<double> contract_linear(const Tensor& x, const std::vector<int8_t>& wq,
                                    const std::vector<float>& sw, const Tensor& b,
                                    const kernels::QuantGrid* grid, int64_t n) {
  const int64_t k = x.dim(-1), m = x.numel() / k;
  std::vector<double> y;
  for (int64_t r = 0; r < m; ++r) {
    const float* row = x.data<float>() + r * k;
    const kernels::QuantGrid g = grid ? *grid : cpu::dynamic_row_grid(row, k);
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

// A Linear's I8 weight [n, k] with its quant params, per channel or per tensor.
struct TestWeight {
  std::vector<int8_t> codes;
  Tensor tensor;
  fb::QuantParamsT params;

  TestWeight(int64_t n, int64_t k, bool per_channel, uint32_t seed)
      : codes(random_codes(n * k, seed)), tensor(DType::I8, {n, k}) {
    std::copy(codes.begin(), codes.end(), tensor.data<int8_t>());
    params.axis = per_channel ? 0 : -1;
    for (int64_t i = 0; i < (per_channel ? n : 1); ++i) {
      params.scales.push_back(0.001f * static_cast<float>(i % 5 + 1));
    }
  }
};

fb::QuantParamsT params_of(const kernels::QuantGrid& g) {
  fb::QuantParamsT q;
  q.scales = {g.scale};
  q.zero_points = {g.zero_point};
  q.qmin = g.qmin;
  q.qmax = g.qmax;
  return q;
}

struct Mode {
  const char* name;
  bool is_static;
  kernels::QuantGrid grid;
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
        const fb::QuantParamsT xq = params_of(mode.grid);
        if (mode.is_static) cpu::fake_quantize(mode.grid, x.data<float>(), x.numel());
        const TestWeight w(c.n, c.k, per_channel, seed++);
        const Tensor b = random_tensor({c.n}, seed++);
        fb::LinearAttrsT attrs;
        attrs.activation = fb::Activation::Relu;
        attrs.dynamic_quant = !mode.is_static;
        const ops::LinearQuant quant{mode.is_static ? &xq : nullptr, &w.params, nullptr};
        const std::string name = "layer.0.fc1";
        const Tensor want = ops::linear({name, true}, attrs, x, w.tensor, &b, quant, {});
        testing::expect_close(want.data<float>(),
                              contract_linear(x, w.codes, w.params.scales, b,
                                              mode.is_static ? &mode.grid : nullptr, c.n),
                              1e-5);
        const kernels::Int8Weight iw = ops::int8_weight({name, false}, w.tensor, &w.params);
        const cpu::Int8LinearSpec spec{mode.is_static ? &mode.grid : nullptr, b.data<float>(),
                                       attrs.activation};
        for (cpu::Int8Kernel kernel : {cpu::Int8Kernel::kAuto, cpu::Int8Kernel::kReference}) {
          const cpu::Int8Gemm gemm(engine(), iw, spec, kernel, name);
          const Tensor got =
              ops::linear({name, false}, attrs, x, w.tensor, &b, quant, {nullptr, &gemm});
          if (gemm.fused()) {
            testing::expect_close(got, want, 1e-5);  // see FusedPathIsWithinRoundingOfReference
          } else {
            // One epilogue shared by both backends: equal accumulators give equal floats.
            ASSERT_EQ(0, std::memcmp(got.raw(), want.raw(), want.nbytes()))
                << cpu::int8_kernel_name(gemm.kernel());
          }
        }
      }
    }
  }
}

// The s32 paths' epilogue (zero-point correction, scales, bias, each activation, output fake
// quantization) is the reference's, bit for bit, on every kernel.
TEST(Int8Linear, S32PathsEqualReferenceBitForBit) {
  const kernels::QuantGrid output{0.01f, 128, 0, 255};
  uint32_t seed = 300;
  for (const Case& c : {Case{5, 37, 61}, Case{130, 64, 96}}) {
    for (bool per_channel : {true, false}) {
      const TestWeight w(c.n, c.k, per_channel, seed++);
      const kernels::Int8Weight iw = ops::int8_weight({"fc", false}, w.tensor, &w.params);
      const Tensor b = random_tensor({c.n}, seed++, 0.1f);
      for (fb::Activation act : kActivations) {
        for (const kernels::QuantGrid* out :
             {&output, static_cast<const kernels::QuantGrid*>(nullptr)}) {
          for (bool is_signed : {false, true}) {
            const kernels::QuantGrid grid{0.02f, is_signed ? 3 : 100, is_signed ? -128 : 0,
                                          is_signed ? 127 : 255};
            const cpu::Int8LinearSpec spec{is_signed ? &grid : nullptr, b.data<float>(), act};
            for (cpu::Int8Kernel kernel : s32_kernels(is_signed)) {
              SCOPED_TRACE(::testing::Message()
                           << c.m << "x" << c.n << "x" << c.k << " " << per_channel << " act "
                           << int(act) << " out " << (out != nullptr) << " signed " << is_signed
                           << " " << cpu::int8_kernel_name(kernel));
              kernels::ActivationCodes x =
                  random_activations(c.m, c.k, is_signed, exact_range(kernel, is_signed), seed++);
              for (int64_t r = 0; r < c.m; ++r) {
                x.scales[size_t(r)] = is_signed ? grid.scale : 0.01f * float(r % 7 + 1);
                if (is_signed) x.zero_points[size_t(r)] = grid.zero_point;
              }
              std::vector<float> want(static_cast<size_t>(c.m * c.n));
              cpu::int8_accumulate_reference(x, iw, cpu::accumulators_in(want.data()));
              cpu::int8_epilogue(x, iw, nullptr, {b.data<float>(), act, out}, 1, want.data());
              const cpu::Int8Gemm gemm(engine(), iw, spec, kernel, "fc");
              ASSERT_EQ(run(gemm, x, c.n, out), want);
            }
          }
        }
      }
    }
  }
}

// Per element, the size of the terms the fused path rounds: s * (|raw| + |zx * rowsum|) + |b|,
// with raw = sum_k xq * wq over x's codes on `grid`.
std::vector<double> fused_magnitudes(const Tensor& x, const kernels::QuantGrid& grid,
                                     const TestWeight& w, const Tensor* b) {
  const int64_t k = x.dim(-1), m = x.numel() / k, n = w.tensor.dim(0);
  std::vector<double> mags;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double raw = 0, rowsum = 0;
      for (int64_t i = 0; i < k; ++i) {
        const double wq = w.codes[size_t(c * k + i)];
        raw += cpu::quantize_code(x.data<float>()[r * k + i], grid) * wq;
        rowsum += wq;
      }
      const double s =
          double(grid.scale) * w.params.scales[w.params.scales.size() == 1 ? 0 : size_t(c)];
      mags.push_back(s * (std::abs(raw) + std::abs(grid.zero_point * rowsum)) +
                     (b ? std::abs(b->data<float>()[c]) : 0.0));
    }
  }
  return mags;
}

// The fused oneDNN path against the reference backend, for every activation, both weight
// granularities, with and without bias, u8 and s8 inputs with non-zero zero points:
// - unquantized y within 1e-6 * magnitude + 1e-7: its float32 roundings (float(raw), b', the
//   sum and the product, each <= 2^-24 relative to a term of the magnitude) and the GELU/tanh
//   approximations (<= 2e-7 absolute in erf/tanh, i.e. <= 2e-7 * |v|) stay well inside it;
// - fake-quantized y within one step, and off by one step only where the unquantized value
//   lies that close to a rounding boundary (rarely: at most 1% of the elements here).
TEST(Int8Linear, FusedPathIsWithinRoundingOfReference) {
  const Case cases[] = {{1, 64, 96}, {7, 13, 5}, {600, 33, 70}, {3, 50, 129}, {17, 31, 767}};
  const kernels::QuantGrid output{0.01f, 128, 0, 255};
  const fb::QuantParamsT output_params = params_of(output);
  uint32_t seed = 500;
  int64_t off_by_one = 0, quantized = 0;
  for (const Case& c : cases) {
    for (bool is_signed : {false, true}) {
      const CodeRange range = exact_range(cpu::Int8Kernel::kOneDnn, is_signed);
      const kernels::QuantGrid grid{0.02f, (range.lo + range.hi) / 2 + 7, range.lo, range.hi};
      const fb::QuantParamsT xq = params_of(grid);
      Tensor x = random_tensor({c.m, c.k}, seed++, 1.0f);
      cpu::fake_quantize(grid, x.data<float>(), x.numel());
      for (bool per_channel : {true, false}) {
        const TestWeight w(c.n, c.k, per_channel, seed++);
        const kernels::Int8Weight iw = ops::int8_weight({"fc", false}, w.tensor, &w.params);
        const Tensor bias = random_tensor({c.n}, seed++, 0.3f);
        for (const Tensor* b : {&bias, static_cast<const Tensor*>(nullptr)}) {
          const std::vector<double> mags = fused_magnitudes(x, grid, w, b);
          for (fb::Activation act : kActivations) {
            SCOPED_TRACE(::testing::Message() << c.m << "x" << c.n << "x" << c.k << " signed "
                                              << is_signed << " per-channel " << per_channel
                                              << " bias " << (b != nullptr) << " act " << int(act));
            fb::LinearAttrsT attrs;
            attrs.activation = act;
            const cpu::Int8Gemm gemm(engine(), iw, {&grid, b ? b->data<float>() : nullptr, act},
                                     cpu::Int8Kernel::kOneDnn, "fc");
            ASSERT_TRUE(gemm.fused());
            for (const fb::QuantParamsT* out :
                 {static_cast<const fb::QuantParamsT*>(nullptr), &output_params}) {
              const ops::LinearQuant quant{&xq, &w.params, out};
              const Tensor want = ops::linear({"fc", true}, attrs, x, w.tensor, b, quant, {});
              const Tensor got =
                  ops::linear({"fc", false}, attrs, x, w.tensor, b, quant, {nullptr, &gemm});
              for (int64_t i = 0; i < want.numel(); ++i) {
                const float g = got.data<float>()[i], v = want.data<float>()[i];
                if (!out) {
                  ASSERT_NEAR(g, v, 1e-6 * mags[size_t(i)] + 1e-7) << "element " << i;
                  continue;
                }
                ASSERT_LE(std::abs(g - v), output.scale * 1.0001) << "element " << i;
                off_by_one += g != v;
                ++quantized;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_LE(off_by_one, quantized / 100) << off_by_one << " of " << quantized;
}

// oneDNN may pick another kernel per row count; a row's y must not depend on it.
TEST(Int8Linear, FusedRowsBarelyDependOnRowCount) {
  const int64_t m = 600, n = 70, k = 96;
  int64_t differing = 0, compared = 0;
  const kernels::QuantGrid output{0.01f, 128, 0, 255};
  for (bool is_signed : {false, true}) {
    const CodeRange range = exact_range(cpu::Int8Kernel::kOneDnn, is_signed);
    const kernels::QuantGrid grid{0.02f, range.lo + 30, range.lo, range.hi};
    const TestWeight w(n, k, true, 7);
    const kernels::Int8Weight iw = ops::int8_weight({"fc", false}, w.tensor, &w.params);
    const Tensor b = random_tensor({n}, 8, 0.3f);
    const cpu::Int8Gemm gemm(engine(), iw, {&grid, b.data<float>(), fb::Activation::Gelu},
                             cpu::Int8Kernel::kOneDnn, "fc");
    for (const kernels::QuantGrid* out :
         {&output, static_cast<const kernels::QuantGrid*>(nullptr)}) {
      kernels::ActivationCodes x = random_activations(m, k, is_signed, range, 9);
      std::fill(x.scales.begin(), x.scales.end(), grid.scale);
      std::fill(x.zero_points.begin(), x.zero_points.end(), grid.zero_point);
      const std::vector<float> batched = run(gemm, x, n, out);
      for (int64_t rows : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{64}}) {
        for (int64_t r0 = 0; r0 + rows <= m; r0 += 97) {
          kernels::ActivationCodes part(rows, k, is_signed);
          std::memcpy(part.bytes.get(), x.bytes.get() + r0 * k, size_t(rows * k));
          part.scales.assign(size_t(rows), grid.scale);
          part.zero_points.assign(size_t(rows), grid.zero_point);
          const std::vector<float> alone = run(gemm, part, n, out);
          for (size_t i = 0; i < alone.size(); ++i) {
            const float want = batched[size_t(r0 * n) + i];
            // AMX kernels hand small row counts to other (VNNI) kernels whose float epilogue
            // may round differently: a few ulps, or one step of a quantized output.
            const float bound = out ? out->scale * 1.001f : 4e-7f * std::max(1.0f, std::abs(want));
            ASSERT_LE(std::abs(alone[i] - want), bound)
                << rows << " rows from row " << r0 << " signed " << is_signed << " at " << i;
            differing += alone[i] != want;
            compared += 1;
          }
        }
      }
    }
  }
  // Bit-identical where one kernel serves every row count (all but AMX); rare with AMX.
  if (dnnl::get_effective_cpu_isa() == dnnl::cpu_isa::avx512_core_amx) {
    EXPECT_LE(differing * 100, compared) << differing << " of " << compared << " differ";
  } else {
    EXPECT_EQ(differing, 0) << " of " << compared;
  }
}

// The per-token grid scans its row in vector lanes: the extremes must be found at every
// position (each lane and the tail), NaN ignored, whatever the length.
TEST(Int8Linear, DynamicRowGridFindsTheExtremesAnywhere) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (int64_t n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 40, 767}) {
    for (int64_t at = 0; at<n; at += n> 40 ? 13 : 1) {
      std::vector<float> row(static_cast<size_t>(n));
      for (float& v : row) v = value(rng);
      row[size_t(at)] = -3.0f;
      row[size_t(n - 1 - at)] = 5.0f;
      row[size_t((at + 1) % n)] = NAN;
      float lo = 0.0f, hi = 0.0f;
      for (float v : row) {
        if (std::isnan(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      const kernels::QuantGrid g = cpu::dynamic_row_grid(row.data(), n);
      const float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;  // a row of NaN: a harmless grid
      ASSERT_EQ(g.scale, scale) << n << " " << at;
      ASSERT_EQ(g.zero_point, static_cast<int32_t>(std::nearbyint(-lo / g.scale)))
          << n << " " << at;
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
  const kernels::QuantGrid grid{0.0625f, 128, 0, 255};
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
  const kernels::Int8Weight iw = ops::int8_weight({name, false}, w, &wp);
  try {
    cpu::Int8Gemm(engine(), iw, {}, cpu::Int8Kernel::kAuto, name);
    FAIL() << "accepted a -128 weight code";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qtx
