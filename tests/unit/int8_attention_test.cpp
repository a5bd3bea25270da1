// Attention under the INT8 contract (qtx.fbs, AttentionAttrs). The kernel against a naive
// implementation of the contract (int64 dot products of codes from quantize_code, the long way
// through fake quantization), bit for bit: odd head dims, single queries, long key ranges
// that cross the exact-sum blocks, causal masks over a KV cache, padding with fully masked
// rows, clipped softmax, asymmetric zero points on every operand, float operands mixed with
// quantized ones, scores/probs grids and dumps, one and two threads. Then the op: grids from
// quant params, the "scores"/"probs" observations, refusals.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu/attention/attention_int8.h"
#include "engine/cpu/attention/attention_operands.h"
#include "engine/cpu/attention/attention_products_avx2.h"
#include "engine/cpu/attention/masked_softmax.h"
#include "engine/cpu/common/quantize.h"
#include "engine/ops/attention.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using kernels::QuantGrid;
using testing::random_tensor;

// Asymmetric grids on every operand; "wide" ones reach |code - zero_point| = 383, so that
// QK^T sums more than 114 terms and PV more than 171 in several exact blocks.
const QuantGrid kQ{0.02f, 128, 0, 255}, kK{0.025f, 120, 0, 255}, kV{0.03f, -3, -127, 127};
const QuantGrid kScores{0.05f, 200, 0, 255}, kProbs{1.0f / 255.0f, 10, 0, 255};
const QuantGrid kWideQ{0.01f, -128, -128, 255}, kWideK{0.012f, 255, -128, 255};
const QuantGrid kWideV{0.02f, -128, -128, 255};
// A power-of-two step: products of its values with multiples of 1/16 are exact in float, so
// float sums of them do not depend on order or FMA contraction.
// Scores all on code 0 (so probabilities are uniform), and a probability of 1/1000 on code 81:
// with values on extreme codes, PV sums of 1000 keys pass 2^24.
const QuantGrid kFlatScores{1000.0f, 3, -127, 127}, kFineProbs{1.0f / 81000.0f, 0, 0, 255};
const QuantGrid kDyadicProbs{1.0f / 256.0f, 0, 0, 255}, kDyadicQ{1.0f / 16.0f, 3, -60, 60};

struct Grids {
  std::optional<QuantGrid> q, k, v, scores, probs;

  cpu::AttentionGrids pointers() const {
    auto at = [](const std::optional<QuantGrid>& g) { return g ? &*g : nullptr; };
    return {at(q), at(k), at(v), at(scores), at(probs)};
  }
};

enum class Padding { kNone, kLeft, kEmptyBatchRow };

struct Case {
  const char* name;
  int64_t batch, seq, past, heads, dh;
  bool causal, clipped;
  Padding padding;
  Grids grids;
  // Operand codes mostly at their grid's far end: sums of codes beyond 2^24, which a float
  // sum gets exact only in blocks.
  bool extreme = false;
};

int64_t total_of(const Case& c) {
  return c.past + c.seq;
}

// One call's inputs: q [B, S, heads * dh]; k, v [B, T, heads * dh], read by the kernel either
// so or through the KV cache's [B, heads, capacity, dh] layout when there is a past.
struct Inputs {
  std::vector<float> q, k, v;
  std::vector<int32_t> mask;  // [B, T]
};

// Values of an operand: on its grid, or multiples of 1/16 in [-4, 4] without one (their
// products and sums are exact in float, so the float products compare bit for bit too).
std::vector<float> operand(int64_t n, uint32_t seed, const std::optional<QuantGrid>& g,
                           bool extreme) {
  std::mt19937 rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  if (g && extreme) {
    const int32_t far = g->qmax - g->zero_point >= g->zero_point - g->qmin ? g->qmax : g->qmin;
    std::uniform_int_distribution<int32_t> code(g->qmin, g->qmax);
    for (float& e : x) {
      const int32_t c = code(rng) % 10 == 0 ? code(rng) : far;
      e = static_cast<float>(c - g->zero_point) * g->scale;
    }
  } else if (g) {
    // Around the middle of the grid's range, reaching both ends (clamped there).
    const float mid = g->scale * (0.5f * static_cast<float>(g->qmin + g->qmax) -
                                  static_cast<float>(g->zero_point));
    std::normal_distribution<float> dist(mid,
                                         g->scale * static_cast<float>(g->qmax - g->qmin) / 3.0f);
    for (float& e : x) e = dist(rng);
    cpu::fake_quantize(*g, x.data(), n);
  } else {
    std::uniform_int_distribution<int> dist(-64, 64);
    for (float& e : x) e = static_cast<float>(dist(rng)) / 16.0f;
  }
  return x;
}

std::vector<int32_t> mask_of(const Case& c) {
  const int64_t total = total_of(c);
  std::vector<int32_t> m(static_cast<size_t>(c.batch * total), 1);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t t = 0; t < total; ++t) {
      const bool left_pad = c.padding == Padding::kLeft && b % 2 == 1 && t < 2;
      const bool empty = c.padding == Padding::kEmptyBatchRow && b == 0;
      if (left_pad || empty) m[static_cast<size_t>(b * total + t)] = 0;
    }
  }
  return m;
}

Inputs inputs_of(const Case& c, uint32_t seed) {
  const int64_t h = c.heads * c.dh, total = total_of(c);
  return {operand(c.batch * c.seq * h, seed, c.grids.q, c.extreme),
          operand(c.batch * total * h, seed + 1, c.grids.k, c.extreme),
          operand(c.batch * total * h, seed + 2, c.grids.v, c.extreme), mask_of(c)};
}

kernels::AttentionRule rule_of(const Case& c) {
  return {1.0f / std::sqrt(static_cast<float>(c.dh)), c.causal, c.clipped, -0.03f, 1.002f};
}

struct Result {
  std::vector<float> out, scores, probs;  // scores, probs: [B, heads, S, T]
};

float code(float x, const QuantGrid& g) {
  return static_cast<float>(cpu::quantize_code(x, g) - g.zero_point);
}

// The contract, one query at a time. The softmax is masked_softmax itself (tested on its own
// below): its float operations, FMA contraction included, are the kernel's by definition.
class Naive {
 public:
  Naive(const Case& c, const Inputs& in) : c_(c), in_(in), rule_(rule_of(c)) {}

  Result run() {
    const int64_t total = total_of(c_), h = c_.heads * c_.dh;
    Result r{std::vector<float>(static_cast<size_t>(c_.batch * c_.seq * h)),
             std::vector<float>(static_cast<size_t>(c_.batch * c_.heads * c_.seq * total)),
             {}};
    r.probs = r.scores;
    for (int64_t b = 0; b < c_.batch; ++b) {
      for (int64_t head = 0; head < c_.heads; ++head) {
        for (int64_t i = 0; i < c_.seq; ++i) {
          const int64_t at = ((b * c_.heads + head) * c_.seq + i) * total;
          query(b, head, i, r.scores.data() + at, r.probs.data() + at,
                r.out.data() + (b * c_.seq + i) * h + head * c_.dh);
        }
      }
    }
    return r;
  }

 private:
  float q(int64_t b, int64_t i, int64_t head, int64_t d) const {
    return in_.q[static_cast<size_t>((b * c_.seq + i) * c_.heads * c_.dh + head * c_.dh + d)];
  }
  float kv(const std::vector<float>& x, int64_t b, int64_t t, int64_t head, int64_t d) const {
    return x[static_cast<size_t>((b * total_of(c_) + t) * c_.heads * c_.dh + head * c_.dh + d)];
  }

  float score(int64_t b, int64_t head, int64_t i, int64_t t) const {
    const Grids& g = c_.grids;
    if (g.q && g.k) {
      int64_t acc = 0;
      for (int64_t d = 0; d < c_.dh; ++d) {
        acc += static_cast<int64_t>(code(q(b, i, head, d), *g.q)) *
               static_cast<int64_t>(code(kv(in_.k, b, t, head, d), *g.k));
      }
      return rule_.scale * (g.q->scale * g.k->scale) * static_cast<float>(acc);
    }
    float sum = 0.0f;
    for (int64_t d = 0; d < c_.dh; ++d) sum += q(b, i, head, d) * kv(in_.k, b, t, head, d);
    return rule_.scale * sum;
  }

  float context(int64_t b, int64_t head, int64_t d, const std::vector<float>& p) const {
    const Grids& g = c_.grids;
    if (g.probs && g.v) {
      int64_t acc = 0;
      for (size_t t = 0; t < p.size(); ++t) {
        acc += static_cast<int64_t>(code(p[t], *g.probs)) *
               static_cast<int64_t>(code(kv(in_.v, b, int64_t(t), head, d), *g.v));
      }
      return g.probs->scale * g.v->scale * static_cast<float>(acc);
    }
    float sum = 0.0f;
    for (size_t t = 0; t < p.size(); ++t) sum += p[t] * kv(in_.v, b, int64_t(t), head, d);
    return sum;
  }

  void query(int64_t b, int64_t head, int64_t i, float* scores_dump, float* probs_dump,
             float* out) const {
    const int64_t n = c_.causal ? c_.past + i + 1 : total_of(c_);
    std::vector<float> s(static_cast<size_t>(n)), visible(s.size()), hidden(s.size());
    for (int64_t t = 0; t < n; ++t) {
      s[size_t(t)] = scores_dump[t] = score(b, head, i, t);
      const bool seen = in_.mask[static_cast<size_t>(b * total_of(c_) + t)] != 0;
      visible[size_t(t)] = seen ? 1.0f : 0.0f;
      hidden[size_t(t)] = seen ? 0.0f : -INFINITY;
    }
    if (c_.grids.scores) cpu::fake_quantize(*c_.grids.scores, s.data(), n);
    if (!cpu::masked_softmax(rule_, visible.data(), hidden.data(), n, s.data())) {
      return;  // padding: probabilities and context stay zero
    }
    std::copy(s.begin(), s.end(), probs_dump);
    if (c_.grids.probs) cpu::fake_quantize(*c_.grids.probs, s.data(), n);
    for (int64_t d = 0; d < c_.dh; ++d) out[d] = context(b, head, d, s);
  }

  const Case& c_;
  const Inputs& in_;
  kernels::AttentionRule rule_;
};

// The kernel; keys and values through the KV cache's layout (capacity T + 3) when there is a
// past, as the op passes them.
Result run_kernel(const Case& c, const Inputs& in, int threads, bool dump,
                  cpu::Int8AttentionProducts products = cpu::Int8AttentionProducts::kAuto) {
  const int64_t total = total_of(c), h = c.heads * c.dh;
  Result r{std::vector<float>(in.q.size(), NAN), {}, {}};
  if (dump) {
    r.scores.assign(static_cast<size_t>(c.batch * c.heads * c.seq * total), NAN);
    r.probs = r.scores;
  }
  std::vector<float> k = in.k, v = in.v;
  kernels::KvView keys{k.data(), total * h, c.dh, h}, values{v.data(), total * h, c.dh, h};
  if (c.past > 0) {
    const int64_t cap = total + 3;
    k.assign(static_cast<size_t>(c.batch * c.heads * cap * c.dh), NAN);
    v = k;
    for (int64_t b = 0; b < c.batch; ++b) {
      for (int64_t t = 0; t < total; ++t) {
        for (int64_t j = 0; j < h; ++j) {
          const auto from = static_cast<size_t>((b * total + t) * h + j);
          const auto to =
              static_cast<size_t>(((b * c.heads + j / c.dh) * cap + t) * c.dh + j % c.dh);
          k[to] = in.k[from];
          v[to] = in.v[from];
        }
      }
    }
    keys = {k.data(), c.heads * cap * c.dh, cap * c.dh, c.dh};
    values = {v.data(), c.heads * cap * c.dh, cap * c.dh, c.dh};
  }
  const kernels::AttentionShape shape{c.batch, c.seq, total, c.heads, c.dh};
  const cpu::AttentionDumps dumps{dump ? r.scores.data() : nullptr,
                                  dump ? r.probs.data() : nullptr};
  cpu::attention_int8(in.q.data(), keys, values, in.mask.data(), shape, rule_of(c),
                      c.grids.pointers(), dumps, threads, r.out.data(), products);
  return r;
}

void expect_bits_equal(const std::vector<float>& got, const std::vector<float>& want,
                       const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
        << what << " element " << i << ": " << got[i] << " != " << want[i];
  }
}

const Grids kQuantized{kQ, kK, kV, std::nullopt, kProbs};
const Grids kPaper{kQ, kK, kV, kScores, kProbs};
const Grids kWide{kWideQ, kWideK, kWideV, kScores, kProbs};

// Float operands mixed with quantized ones: a product is integer only when both of its
// operands are quantized.
const Grids kFloatQK{std::nullopt, std::nullopt, kV, kScores, kProbs};
const Grids kQuantizedQFloatK{kDyadicQ, std::nullopt, kV, std::nullopt, kProbs};
const Grids kFloatV{kQ, kK, std::nullopt, std::nullopt, kDyadicProbs};
const Grids kExtreme{kWideQ, kWideK, kWideV, kFlatScores, kFineProbs};

const Case kCases[] = {
    {"bert-like", 2, 17, 0, 3, 64, false, false, Padding::kLeft, kQuantized},
    {"dh 1, paper", 2, 5, 0, 2, 1, false, true, Padding::kLeft, kPaper},
    {"dh 7, causal, empty rows", 3, 9, 0, 2, 7, true, false, Padding::kLeft, kPaper},
    {"dh 7, a batch row all padding", 2, 6, 0, 2, 7, false, true, Padding::kEmptyBatchRow,
     kQuantized},
    {"dh 80, decode over 1000 keys", 2, 1, 999, 2, 80, true, false, Padding::kLeft, kWide},
    {"dh 130, two QK blocks", 2, 6, 0, 2, 130, false, true, Padding::kLeft, kWide},
    {"300 keys, causal", 1, 300, 0, 1, 64, true, true, Padding::kLeft, kWide},
    {"prefill over a past", 1, 5, 290, 2, 64, true, false, Padding::kLeft, kWide},
    {"decode at kMaxInt8AttentionKeys", 1, 1, cpu::kMaxInt8AttentionKeys - 1, 2, 64, true, false,
     Padding::kNone, kWide},
    {"extreme codes, sums beyond 2^24", 1, 2, 998, 1, 130, false, false, Padding::kNone, kExtreme,
     true},
    {"float q, k", 2, 7, 0, 2, 24, false, false, Padding::kLeft, kFloatQK},
    {"quantized q, float k", 1, 5, 0, 3, 9, false, false, Padding::kNone, kQuantizedQFloatK},
    {"float v, dyadic probs", 2, 7, 0, 2, 24, true, false, Padding::kLeft, kFloatV},
};

// The integer products of this CPU: float tiles in exact blocks everywhere, AVX2 pairs where
// it runs them.
std::vector<cpu::Int8AttentionProducts> products_here() {
  std::vector<cpu::Int8AttentionProducts> products = {cpu::Int8AttentionProducts::kFloatBlocks};
  if (cpu::avx2_products_supported()) products.push_back(cpu::Int8AttentionProducts::kAvx2Pairs);
  return products;
}

TEST(Int8AttentionKernel, EqualsNaiveContractBitForBit) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Inputs in = inputs_of(c, seed);
    seed += 3;
    const Result want = Naive(c, in).run();
    for (cpu::Int8AttentionProducts products : products_here()) {
      SCOPED_TRACE(products == cpu::Int8AttentionProducts::kAvx2Pairs ? "AVX2 pairs"
                                                                      : "float blocks");
      const Result got = run_kernel(c, in, 1, true, products);
      expect_bits_equal(got.out, want.out, "context");
      expect_bits_equal(got.scores, want.scores, "scores dump");
      expect_bits_equal(got.probs, want.probs, "probs dump");
      expect_bits_equal(run_kernel(c, in, 2, false, products).out, want.out,
                        "context on 2 threads");
    }
  }
}

// Unquantized probabilities: PV is a float sum of arbitrary products, which FMA contraction
// may round differently from the reference's loop; close, not equal.
TEST(Int8AttentionKernel, FloatContextOfUnquantizedProbsIsTheFloatSum) {
  const Grids float_probs{kQ, kK, kV, kScores, std::nullopt};
  const Grids float_probs_and_v{kWideQ, kWideK, std::nullopt, kScores, std::nullopt};
  const Case cases[] = {
      {"float probs, quantized v", 2, 9, 0, 2, 20, true, true, Padding::kLeft, float_probs},
      {"float probs, float v", 1, 260, 0, 1, 16, false, false, Padding::kNone, float_probs_and_v}};
  uint32_t seed = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Inputs in = inputs_of(c, seed++);
    const Result want = Naive(c, in).run();
    const Result got = run_kernel(c, in, 2, true);
    std::vector<double> expected(want.out.begin(), want.out.end());
    testing::expect_close(got.out.data(), expected, 1e-6);
    expect_bits_equal(got.scores, want.scores, "scores dump");
    expect_bits_equal(got.probs, want.probs, "probs dump");
  }
}

TEST(Int8AttentionKernel, CentredCodesAreQuantizeCodes) {
  std::vector<float> x = {0.0f,   -0.0f,  0.5f * kQ.scale, 1.5f * kQ.scale, -2.5f * kQ.scale,
                          1e30f,  -1e30f, INFINITY,        -INFINITY,       NAN,
                          1e-40f, 3.0f};
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  for (int i = 0; i < 1000; ++i) x.push_back(dist(rng));
  for (const QuantGrid& g : {kQ, kV, kWideK, kProbs}) {
    std::vector<float> got(x.size());
    cpu::centred_codes(g, x.data(), static_cast<int64_t>(x.size()), got.data());
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got[i], code(x[i], g)) << "x = " << x[i];
    }
  }
}

// masked_softmax against a softmax in double over the visible keys.
TEST(Int8AttentionKernel, MaskedSoftmaxIsTheSoftmaxOfVisibleKeys) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (bool clipped : {false, true}) {
    const kernels::AttentionRule rule{1.0f, false, clipped, -0.03f, 1.002f};
    for (int64_t n : {1, 7, 8, 9, 100}) {
      std::vector<float> s(static_cast<size_t>(n)), visible(s.size()), hidden(s.size());
      for (int64_t t = 0; t < n; ++t) {
        s[size_t(t)] = dist(rng);
        const bool seen = t % 3 != 1;
        visible[size_t(t)] = seen ? 1.0f : 0.0f;
        hidden[size_t(t)] = seen ? 0.0f : -INFINITY;
      }
      std::vector<float> p = s;
      ASSERT_TRUE(cpu::masked_softmax(rule, visible.data(), hidden.data(), n, p.data()));
      double max = -INFINITY, sum = 0.0;
      for (int64_t t = 0; t < n; t += 1) {
        if (visible[size_t(t)] != 0.0f) max = std::max(max, double(s[size_t(t)]));
      }
      for (int64_t t = 0; t < n; ++t) {
        if (visible[size_t(t)] != 0.0f) sum += std::exp(double(s[size_t(t)]) - max);
      }
      for (int64_t t = 0; t < n; ++t) {
        if (visible[size_t(t)] == 0.0f) {
          EXPECT_EQ(p[size_t(t)], 0.0f);
          continue;
        }
        double want = std::exp(double(s[size_t(t)]) - max) / sum;
        if (clipped) want = std::clamp((rule.zeta - rule.gamma) * want + rule.gamma, 0.0, 1.0);
        EXPECT_NEAR(p[size_t(t)], want, 1e-6) << "n " << n << " key " << t;
      }
    }
  }
  const kernels::AttentionRule rule{1.0f, false, false, 0.0f, 1.0f};
  std::vector<float> s = {1.0f, 2.0f}, visible = {0.0f, 0.0f}, hidden = {-INFINITY, -INFINITY};
  EXPECT_FALSE(cpu::masked_softmax(rule, visible.data(), hidden.data(), 2, s.data()));
}

fb::QuantParamsT params(const QuantGrid& g) {
  fb::QuantParamsT p;
  p.scales = {g.scale};
  p.zero_points = {g.zero_point};
  p.qmin = g.qmin;
  p.qmax = g.qmax;
  return p;
}

fb::AttentionAttrsT attrs_of(int64_t heads, int64_t dh, bool causal) {
  fb::AttentionAttrsT a;
  a.num_heads = static_cast<int32_t>(heads);
  a.causal = causal;
  a.scale = 1.0f / std::sqrt(static_cast<float>(dh));
  a.softmax = fb::SoftmaxKind::Vanilla;
  a.scores_quant = std::make_unique<fb::QuantParamsT>(params(kScores));
  a.probs_quant = std::make_unique<fb::QuantParamsT>(params(kProbs));
  return a;
}

Tensor tensor_of(const std::vector<float>& x, Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  std::copy(x.begin(), x.end(), t.data<float>());
  return t;
}

// The op builds the grids from quant params and hands the internal values to the observer:
// the kernel's output and dumps, through the same naive contract.
TEST(Int8Attention, OpRunsTheContractAndObservesScoresAndProbs) {
  const Case c{"op", 2, 6, 0, 2, 8, true, false, Padding::kLeft, kPaper};
  const Inputs in = inputs_of(c, 11);
  const Result want = Naive(c, in).run();
  const Shape shape{c.batch, c.seq, c.heads * c.dh};
  const Tensor q = tensor_of(in.q, shape), k = tensor_of(in.k, shape), v = tensor_of(in.v, shape);
  Tensor mask(DType::I32, {c.batch, c.seq});
  std::copy(in.mask.begin(), in.mask.end(), mask.data<int32_t>());
  const fb::QuantParamsT qp = params(kQ), kp = params(kK), vp = params(kV);
  std::vector<std::string> seen;
  Tensor scores, probs;
  const ops::AttentionObserver observer = [&](std::string_view what, const Tensor& value) {
    seen.emplace_back(what);
    (what == "scores" ? scores : probs) = value;
  };
  const std::string name = "layer.0.context";
  const Tensor got = ops::attention({name, false, 2}, attrs_of(c.heads, c.dh, c.causal),
                                    {q, k, v, mask, nullptr, {}}, {}, {&qp, &kp, &vp}, &observer);
  ASSERT_EQ(seen, (std::vector<std::string>{"scores", "probs"}));
  ASSERT_EQ(scores.shape(), (Shape{c.batch, c.heads, c.seq, c.seq}));
  const auto values = [](const Tensor& t) {
    return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
  };
  expect_bits_equal(values(got), want.out, "context");
  expect_bits_equal(values(scores), want.scores, "scores");
  expect_bits_equal(values(probs), want.probs, "probs");
}

// The float model observed for calibration: same context as the fast float kernel, probs
// rows summing to 1 over visible keys, scores equal to scale * q.k.
TEST(Int8Attention, FloatPathObservesScoresAndProbs) {
  const int64_t batch = 2, seq = 6, heads = 2, dh = 8, h = heads * dh;
  const Shape shape{batch, seq, h};
  const Tensor q = random_tensor(shape, 1), k = random_tensor(shape, 2),
               v = random_tensor(shape, 3);
  Tensor mask(DType::I32, {batch, seq});
  for (int64_t i = 0; i < batch * seq; ++i)
    mask.data<int32_t>()[i] = i % seq < 2 && i >= seq ? 0 : 1;
  fb::AttentionAttrsT a = attrs_of(heads, dh, false);
  a.scores_quant.reset();
  a.probs_quant.reset();
  Tensor scores, probs;
  const ops::AttentionObserver observer = [&](std::string_view what, const Tensor& value) {
    (what == "scores" ? scores : probs) = value;
  };
  const std::string name = "layer.0.context";
  const Tensor fast = ops::attention({name, false, 1}, a, {q, k, v, mask, nullptr, {}}, {});
  const Tensor seen =
      ops::attention({name, false, 1}, a, {q, k, v, mask, nullptr, {}}, {}, {}, &observer);
  testing::expect_close(seen, fast, 1e-6);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t head = 0; head < heads; ++head) {
      for (int64_t i = 0; i < seq; ++i) {
        double sum = 0;
        for (int64_t t = 0; t < seq; ++t) {
          double dot = 0;
          for (int64_t d = 0; d < dh; ++d) {
            dot += double(q.data<float>()[(b * seq + i) * h + head * dh + d]) *
                   k.data<float>()[(b * seq + t) * h + head * dh + d];
          }
          const int64_t at = ((b * heads + head) * seq + i) * seq + t;
          EXPECT_NEAR(scores.data<float>()[at], a.scale * dot, 1e-5);
          const float p = probs.data<float>()[at];
          if (!mask.data<int32_t>()[b * seq + t]) {
            EXPECT_EQ(p, 0.0f);
          }
          sum += p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5);
      }
    }
  }
}

void expect_unsupported(const std::string& name, const fb::AttentionAttrsT& a, const Tensor& q,
                        const Tensor& mask, const ops::AttentionQuant& quant, const char* why) {
  try {
    ops::attention({name, true, 1}, a, {q, q, q, mask, nullptr, {}}, {}, quant);
    FAIL() << why;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(Int8Attention, PerAxisOperandsAreRefused) {
  const Tensor q = random_tensor({1, 2, 4}, 1);
  Tensor mask(DType::I32, {1, 2});
  std::fill_n(mask.data<int32_t>(), 2, 1);
  fb::QuantParamsT per_axis = params(kQ);
  per_axis.axis = 2;
  per_axis.scales.assign(4, 0.1f);
  per_axis.zero_points.assign(4, 0);
  expect_unsupported("layer.5.context", attrs_of(1, 4, false), q, mask,
                     {&per_axis, nullptr, nullptr}, "per-axis q accepted");
}

// Beyond kMaxInt8AttentionKeys terms an int32 sum of codes could overflow.
TEST(Int8Attention, OversizedHeadDimIsRefused) {
  const int64_t dh = cpu::kMaxInt8AttentionKeys + 1;
  const Tensor q = random_tensor({1, 1, dh}, 1);
  Tensor mask(DType::I32, {1, 1});
  mask.data<int32_t>()[0] = 1;
  const fb::QuantParamsT qp = params(kQ);
  expect_unsupported("layer.1.context", attrs_of(1, dh, false), q, mask, {&qp, &qp, &qp},
                     "head dim over the bound accepted");
}

}  // namespace
}  // namespace qtx
