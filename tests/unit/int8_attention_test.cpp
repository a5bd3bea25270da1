// Attention under the INT8 contract (qtx.fbs, AttentionAttrs) against a naive double
// implementation of it: integer QK^T and PV on codes, scores and probs fake quantization,
// padding, causal masks, clipped softmax; the "scores"/"probs" observations (before their fake
// quantization, in the float path too) and the KV-cache path.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/cpu/quantize.h"
#include "engine/ops/attention.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::random_tensor;

struct Case {
  int64_t batch, seq, heads, dh;
  bool causal;
  fb::SoftmaxKind softmax;
};

const cpu::QuantGrid kQ{0.02f, 128, 0, 255}, kK{0.025f, 120, 0, 255}, kV{0.03f, 0, -127, 127};
const cpu::QuantGrid kScores{0.05f, 200, 0, 255}, kProbs{1.0f / 255.0f, 0, 0, 255};

fb::QuantParamsT params(const cpu::QuantGrid& g) {
  fb::QuantParamsT p;
  p.scales = {g.scale};
  p.zero_points = {g.zero_point};
  p.qmin = g.qmin;
  p.qmax = g.qmax;
  return p;
}

Tensor on_grid(Shape shape, uint32_t seed, const cpu::QuantGrid& g) {
  Tensor t = random_tensor(std::move(shape), seed);
  cpu::fake_quantize(g, t.data<float>(), t.numel());
  return t;
}

// Left padding on odd batch rows.
Tensor mask_of(int64_t batch, int64_t total) {
  Tensor m(DType::I32, {batch, total});
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < total; ++t)
      m.data<int32_t>()[b * total + t] = b % 2 == 1 && t < 2 ? 0 : 1;
  }
  return m;
}

int64_t code(float x, const cpu::QuantGrid& g) {
  return cpu::quantize_code(x, g) - g.zero_point;
}

fb::AttentionAttrsT attrs_of(const Case& c, bool quantized) {
  fb::AttentionAttrsT a;
  a.num_heads = static_cast<int32_t>(c.heads);
  a.causal = c.causal;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.dh));
  a.softmax = c.softmax;
  a.gamma = c.softmax == fb::SoftmaxKind::Clipped ? -0.03f : 0.0f;
  a.zeta = 1.0f;
  if (quantized) {
    a.scores_quant = std::make_unique<fb::QuantParamsT>(params(kScores));
    a.probs_quant = std::make_unique<fb::QuantParamsT>(params(kProbs));
  }
  return a;
}

// The contract, naively: integer dot products in int64, softmax in double. Scores are formed
// as the float product the contract names (scale * sq * sk times the exact integer) so that
// their fake quantization sees the same value.
std::vector<double> naive(const Case& c, const fb::AttentionAttrsT& a, const Tensor& q,
                          const Tensor& k, const Tensor& v, const Tensor& mask,
                          std::vector<double>* observed_scores) {
  const int64_t s = c.seq, h = c.heads * c.dh;
  std::vector<double> out(static_cast<size_t>(c.batch * s * h), 0.0);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t head = 0; head < c.heads; ++head) {
      for (int64_t i = 0; i < s; ++i) {
        const int64_t n = c.causal ? i + 1 : s;
        std::vector<float> scores(static_cast<size_t>(n));
        for (int64_t t = 0; t < n; ++t) {
          int64_t acc = 0;
          for (int64_t d = 0; d < c.dh; ++d) {
            const int64_t col = head * c.dh + d;
            acc += code(q.data<float>()[(b * s + i) * h + col], kQ) *
                   code(k.data<float>()[(b * s + t) * h + col], kK);
          }
          scores[size_t(t)] = a.scale * (kQ.scale * kK.scale) * static_cast<float>(acc);
          if (observed_scores) observed_scores->push_back(scores[size_t(t)]);
        }
        cpu::fake_quantize(kScores, scores.data(), n);
        double max = -INFINITY, sum = 0;
        for (int64_t t = 0; t < n; ++t) {
          if (mask.data<int32_t>()[b * s + t]) max = std::max(max, double(scores[size_t(t)]));
        }
        if (max == -INFINITY) continue;
        std::vector<double> p(static_cast<size_t>(n), 0.0);
        for (int64_t t = 0; t < n; ++t) {
          if (mask.data<int32_t>()[b * s + t])
            sum += p[size_t(t)] = std::exp(scores[size_t(t)] - max);
        }
        for (int64_t t = 0; t < n; ++t) {
          p[size_t(t)] /= sum;
          if (a.softmax == fb::SoftmaxKind::Clipped && mask.data<int32_t>()[b * s + t]) {
            p[size_t(t)] = std::clamp((a.zeta - a.gamma) * p[size_t(t)] + a.gamma, 0.0, 1.0);
          }
        }
        for (int64_t d = 0; d < c.dh; ++d) {
          int64_t acc = 0;
          for (int64_t t = 0; t < n; ++t) {
            acc += code(float(p[size_t(t)]), kProbs) *
                   code(v.data<float>()[(b * s + t) * h + head * c.dh + d], kV);
          }
          out[size_t((b * s + i) * h + head * c.dh + d)] =
              double(kProbs.scale) * kV.scale * double(acc);
        }
      }
    }
  }
  return out;
}

const Case kCases[] = {{1, 1, 1, 4, false, fb::SoftmaxKind::Vanilla},
                       {2, 7, 3, 8, false, fb::SoftmaxKind::Vanilla},
                       {3, 12, 2, 16, true, fb::SoftmaxKind::Vanilla},
                       {2, 9, 4, 6, false, fb::SoftmaxKind::Clipped},
                       {1, 33, 2, 64, true, fb::SoftmaxKind::Clipped}};

TEST(Int8Attention, MatchesNaiveContract) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    SCOPED_TRACE(::testing::Message() << c.batch << "x" << c.seq << " heads " << c.heads << " dh "
                                      << c.dh << (c.causal ? " causal" : ""));
    const Shape shape{c.batch, c.seq, c.heads * c.dh};
    const Tensor q = on_grid(shape, seed++, kQ), k = on_grid(shape, seed++, kK),
                 v = on_grid(shape, seed++, kV);
    const Tensor mask = mask_of(c.batch, c.seq);
    const fb::AttentionAttrsT a = attrs_of(c, true);
    const fb::QuantParamsT qp = params(kQ), kp = params(kK), vp = params(kV);
    std::vector<std::string> seen;
    Tensor observed;
    const ops::AttentionObserver observer = [&](std::string_view what, const Tensor& value) {
      seen.emplace_back(what);
      if (what == "scores") observed = value;
    };
    const std::string name = "layer.0.context";
    for (int threads : {1, 2}) {
      const Tensor got =
          ops::attention({name, threads == 1, threads}, a, {q, k, v, mask, nullptr, {}}, {},
                         {&qp, &kp, &vp}, &observer);
      std::vector<double> scores;
      testing::expect_close(got.data<float>(), naive(c, a, q, k, v, mask, &scores), 1e-5);
      ASSERT_EQ(seen, (std::vector<std::string>{"scores", "probs"}));
      seen.clear();
      ASSERT_EQ(observed.shape(), (Shape{c.batch, c.heads, c.seq, c.seq}));
      // Observed before fake quantization: the raw integer scores (causal: reached keys only).
      size_t at = 0;
      for (int64_t bh = 0; bh < c.batch * c.heads; ++bh) {
        for (int64_t i = 0; i < c.seq; ++i) {
          for (int64_t t = 0; t < (c.causal ? i + 1 : c.seq); ++t) {
            ASSERT_EQ(observed.data<float>()[(bh * c.seq + i) * c.seq + t], scores[at++]);
          }
        }
      }
    }
  }
}

// The float model observed for calibration: same context as the fast float kernel, probs
// rows summing to 1 over visible keys, scores equal to scale * q.k.
TEST(Int8Attention, FloatPathObservesScoresAndProbs) {
  const Case c{2, 6, 2, 8, false, fb::SoftmaxKind::Vanilla};
  const Shape shape{c.batch, c.seq, c.heads * c.dh};
  const Tensor q = random_tensor(shape, 1), k = random_tensor(shape, 2),
               v = random_tensor(shape, 3);
  const Tensor mask = mask_of(c.batch, c.seq);
  const fb::AttentionAttrsT a = attrs_of(c, false);
  Tensor scores, probs;
  const ops::AttentionObserver observer = [&](std::string_view what, const Tensor& value) {
    (what == "scores" ? scores : probs) = value;
  };
  const std::string name = "layer.0.context";
  const Tensor fast = ops::attention({name, false, 1}, a, {q, k, v, mask, nullptr, {}}, {});
  const Tensor seen =
      ops::attention({name, false, 1}, a, {q, k, v, mask, nullptr, {}}, {}, {}, &observer);
  testing::expect_close(seen, fast, 1e-6);
  const int64_t h = c.heads * c.dh;
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t head = 0; head < c.heads; ++head) {
      for (int64_t i = 0; i < c.seq; ++i) {
        double sum = 0;
        for (int64_t t = 0; t < c.seq; ++t) {
          double dot = 0;
          for (int64_t d = 0; d < c.dh; ++d) {
            dot += double(q.data<float>()[(b * c.seq + i) * h + head * c.dh + d]) *
                   k.data<float>()[(b * c.seq + t) * h + head * c.dh + d];
          }
          const int64_t at = ((b * c.heads + head) * c.seq + i) * c.seq + t;
          EXPECT_NEAR(scores.data<float>()[at], a.scale * dot, 1e-5);
          const float p = probs.data<float>()[at];
          if (!mask.data<int32_t>()[b * c.seq + t]) {
            EXPECT_EQ(p, 0.0f);
          }
          sum += p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5);
      }
    }
  }
}

TEST(Int8Attention, PerAxisOperandsAreRefused) {
  const Case c{1, 2, 1, 4, false, fb::SoftmaxKind::Vanilla};
  const Tensor q = random_tensor({1, 2, 4}, 1);
  fb::QuantParamsT per_axis = params(kQ);
  per_axis.axis = 2;
  per_axis.scales.assign(4, 0.1f);
  per_axis.zero_points.assign(4, 0);
  const std::string name = "layer.5.context";
  try {
    ops::attention({name, true, 1}, attrs_of(c, true), {q, q, q, mask_of(1, 2), nullptr, {}}, {},
                   {&per_axis, nullptr, nullptr});
    FAIL() << "per-axis q accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
  }
}

}  // namespace
}  // namespace qtx
