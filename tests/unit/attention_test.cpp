// The Attention op against a naive double-precision implementation written from the formulas
// (shared/models/README.md): odd head sizes, padding masks, causal masks, clipped softmax
// (exact zeros), both gate kinds and the KV cache path.
#include "engine/ops/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::expect_close;
using testing::int_tensor;
using testing::random_tensor;

struct Case {
  int64_t batch, seq, heads, dh;
  bool causal;
  fb::SoftmaxKind softmax;
  float gamma, zeta;
  fb::GateKind gate;
};

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// Gate value of head h for the gate-input row x (full hidden row).
double naive_gate(const Case& c, const std::vector<Tensor>& g, const float* x, int64_t h) {
  const float* xh = x + h * c.dh;
  if (c.gate == fb::GateKind::Linear) {
    double z = g[1].data<float>()[h];
    for (int64_t d = 0; d < c.dh; ++d) z += double(g[0].data<float>()[h * c.dh + d]) * xh[d];
    return sigmoid(z);
  }
  const int64_t r = g[0].dim(1);
  double z = g[3].data<float>()[h];
  for (int64_t k = 0; k < r; ++k) {
    double a = g[1].data<float>()[h * r + k];
    for (int64_t d = 0; d < c.dh; ++d) {
      a += double(g[0].data<float>()[(h * r + k) * c.dh + d]) * xh[d];
    }
    z += std::max(a, 0.0) * g[2].data<float>()[h * r + k];
  }
  return sigmoid(z);
}

std::vector<double> naive_attention(const Case& c, const Tensor& q, const Tensor& k,
                                    const Tensor& v, const Tensor& mask, const Tensor& x,
                                    const std::vector<Tensor>& g, float scale) {
  const int64_t hid = c.heads * c.dh, t_all = mask.dim(1), past = t_all - c.seq;
  std::vector<double> out(static_cast<size_t>(c.batch * c.seq * hid), 0.0);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      for (int64_t i = 0; i < c.seq; ++i) {
        std::vector<double> p(static_cast<size_t>(t_all), 0.0);
        std::vector<bool> ok(static_cast<size_t>(t_all));
        double mx = -1e300, sum = 0.0;
        for (int64_t t = 0; t < t_all; ++t) {
          ok[t] = mask.data<int32_t>()[b * t_all + t] && (!c.causal || t <= past + i);
          if (!ok[t]) continue;
          double s = 0.0;
          for (int64_t d = 0; d < c.dh; ++d) {
            s += double(q.data<float>()[(b * c.seq + i) * hid + h * c.dh + d]) *
                 k.data<float>()[(b * t_all + t) * hid + h * c.dh + d];
          }
          p[t] = s * scale;
          mx = std::max(mx, p[t]);
        }
        for (int64_t t = 0; t < t_all; ++t) sum += ok[t] ? std::exp(p[t] - mx) : 0.0;
        for (int64_t t = 0; t < t_all; ++t) {
          p[t] = ok[t] ? std::exp(p[t] - mx) / sum : 0.0;
          if (ok[t] && c.softmax == fb::SoftmaxKind::Clipped) {
            p[t] = std::clamp((c.zeta - c.gamma) * p[t] + c.gamma, 0.0, 1.0);
          }
        }
        const double gate = c.gate == fb::GateKind::None
                                ? 1.0
                                : naive_gate(c, g, x.data<float>() + (b * c.seq + i) * hid, h);
        for (int64_t d = 0; d < c.dh; ++d) {
          double acc = 0.0;
          for (int64_t t = 0; t < t_all; ++t) {
            acc += p[t] * v.data<float>()[(b * t_all + t) * hid + h * c.dh + d];
          }
          out[(b * c.seq + i) * hid + h * c.dh + d] = acc * gate;
        }
      }
    }
  }
  return out;
}

std::vector<Tensor> gate_tensors(const Case& c, uint32_t seed) {
  if (c.gate == fb::GateKind::Linear) {
    return {random_tensor({c.heads, c.dh}, seed), random_tensor({c.heads}, seed + 1)};
  }
  if (c.gate == fb::GateKind::Mlp) {
    const int64_t r = std::max<int64_t>(1, c.dh / 4);
    return {random_tensor({c.heads, r, c.dh}, seed), random_tensor({c.heads, r}, seed + 1),
            random_tensor({c.heads, r}, seed + 2), random_tensor({c.heads}, seed + 3)};
  }
  return {};
}

Tensor run_op(const Case& c, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
              const Tensor& x, const std::vector<Tensor>& g, float scale, ops::CacheSlot cache = {},
              int threads = 1) {
  fb::AttentionAttrsT attrs;
  attrs.num_heads = static_cast<int32_t>(c.heads);
  attrs.causal = c.causal;
  attrs.scale = scale;
  attrs.softmax = c.softmax;
  attrs.gamma = c.gamma;
  attrs.zeta = c.zeta;
  attrs.gate = c.gate;
  std::vector<const Tensor*> gp;
  for (const Tensor& t : g) gp.push_back(&t);
  const std::string name = "layer.0.context";
  const ops::OpContext ctx{name, false, threads};
  return ops::attention(ctx, attrs,
                        {q, k, v, mask, c.gate == fb::GateKind::None ? nullptr : &x, gp}, cache);
}

// Masks with left and right padding, one fully padded row when the batch allows it.
Tensor padded_mask(int64_t batch, int64_t total) {
  Tensor m(DType::I32, {batch, total});
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < total; ++t) {
      const bool left_pad = b % 3 == 1 && t < total / 2;
      const bool right_pad = b % 3 == 2 && t >= total - 1 && total > 1;
      m.data<int32_t>()[b * total + t] = left_pad || right_pad ? 0 : 1;
    }
  }
  return m;
}

void check_case(const Case& c, uint32_t seed) {
  const int64_t hid = c.heads * c.dh;
  const Tensor q = random_tensor({c.batch, c.seq, hid}, seed);
  const Tensor k = random_tensor({c.batch, c.seq, hid}, seed + 10);
  const Tensor v = random_tensor({c.batch, c.seq, hid}, seed + 20);
  const Tensor x = random_tensor({c.batch, c.seq, hid}, seed + 30);
  const Tensor mask = padded_mask(c.batch, c.seq);
  const auto g = gate_tensors(c, seed + 40);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.dh));
  const Tensor out = run_op(c, q, k, v, mask, x, g, scale);
  const auto want = naive_attention(c, q, k, v, mask, x, g, scale);
  ASSERT_EQ(out.shape(), (Shape{c.batch, c.seq, hid}));
  expect_close(out.data<float>(), want, 1e-5);
}

TEST(Attention, VanillaOddShapesWithPadding) {
  check_case({1, 1, 1, 5, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None}, 1);
  check_case({3, 7, 3, 5, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None}, 2);
  check_case({2, 9, 2, 13, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None}, 3);
}

TEST(Attention, CausalWithLeftPadding) {
  check_case({3, 6, 3, 7, true, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None}, 4);
  check_case({1, 1, 2, 3, true, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None}, 5);
}

TEST(Attention, ClippedSoftmaxMatchesAndZeroes) {
  const Case c{3, 11, 3, 5, false, fb::SoftmaxKind::Clipped, -0.3f, 1.0f, fb::GateKind::None};
  check_case(c, 6);
  check_case({2, 5, 1, 9, true, fb::SoftmaxKind::Clipped, -0.025f, 1.0f, fb::GateKind::None}, 7);
  // Zero queries give uniform probabilities (1/4 or 1/2 here); with gamma = -2, 3p - 2 < 0
  // clips every one to exactly 0, so the context is exactly zero, as in the dead heads of
  // bert4L-clipped.
  const Case dead{2, 4, 2, 3, false, fb::SoftmaxKind::Clipped, -2.0f, 1.0f, fb::GateKind::None};
  const Tensor q(DType::F32, {2, 4, 6});
  const Tensor k = random_tensor({2, 4, 6}, 9), v = random_tensor({2, 4, 6}, 10);
  const Tensor out = run_op(dead, q, k, v, padded_mask(2, 4), q, {}, 0.5f);
  for (int64_t i = 0; i < out.numel(); ++i) EXPECT_EQ(out.data<float>()[i], 0.0f);
}

TEST(Attention, LinearAndMlpGates) {
  check_case({2, 5, 3, 5, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::Linear}, 11);
  check_case({3, 4, 2, 8, true, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::Linear}, 12);
  check_case({2, 6, 3, 12, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::Mlp}, 13);
  check_case({1, 3, 2, 9, false, fb::SoftmaxKind::Clipped, -0.025f, 1, fb::GateKind::Mlp}, 14);
}

// Heads split over threads give the single-threaded result exactly.
TEST(Attention, ThreadedHeadsEqualSingleThread) {
  const Case c{2, 64, 4, 16, true, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None};
  const Tensor q = random_tensor({2, 64, 64}, 20), k = random_tensor({2, 64, 64}, 21);
  const Tensor v = random_tensor({2, 64, 64}, 22);
  const Tensor mask = padded_mask(2, 64);
  const Tensor one = run_op(c, q, k, v, mask, q, {}, 0.25f, {}, 1);
  const Tensor four = run_op(c, q, k, v, mask, q, {}, 0.25f, {}, 4);
  for (int64_t i = 0; i < one.numel(); ++i) ASSERT_EQ(one.data<float>()[i], four.data<float>()[i]);
  expect_close(four.data<float>(), naive_attention(c, q, k, v, mask, q, {}, 0.25f), 1e-5);
}

TEST(Attention, FullyMaskedRowIsFinite) {
  const Case c{1, 3, 1, 4, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None};
  const Tensor q = random_tensor({1, 3, 4}, 15);
  const Tensor out = run_op(c, q, q, q, int_tensor({1, 3}, {0, 0, 0}), q, {}, 0.5f);
  for (int64_t i = 0; i < out.numel(); ++i) EXPECT_TRUE(std::isfinite(out.data<float>()[i]));
}

// Feeding a sequence one token at a time through the cache equals attending over all of it.
TEST(Attention, CacheStepsEqualFullSequence) {
  const Case c{2, 5, 3, 5, true, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None};
  const int64_t hid = 15;
  const Tensor q = random_tensor({2, 5, hid}, 16), k = random_tensor({2, 5, hid}, 17);
  const Tensor v = random_tensor({2, 5, hid}, 18);
  const Tensor mask = padded_mask(2, 5);
  const Tensor full = run_op(c, q, k, v, mask, q, {}, 0.4f);
  KvCache cache;
  for (int64_t t = 0; t < 5; ++t) {
    auto row = [&](const Tensor& src) {
      Tensor r(DType::F32, {2, 1, hid});
      for (int64_t b = 0; b < 2; ++b) {
        std::copy_n(src.data<float>() + (b * 5 + t) * hid, hid, r.data<float>() + b * hid);
      }
      return r;
    };
    Tensor m(DType::I32, {2, t + 1});
    for (int64_t b = 0; b < 2; ++b) {
      std::copy_n(mask.data<int32_t>() + b * 5, t + 1, m.data<int32_t>() + b * (t + 1));
    }
    Case step = c;
    step.seq = 1;
    const Tensor out = run_op(step, row(q), row(k), row(v), m, q, {}, 0.4f, {&cache, 0});
    cache.commit(2, t + 1);
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t i = 0; i < hid; ++i) {
        EXPECT_NEAR(out.data<float>()[b * hid + i], full.data<float>()[(b * 5 + t) * hid + i],
                    1e-5);
      }
    }
  }
  EXPECT_EQ(cache.length(), 5);
}

TEST(Attention, ErrorsNameTheNode) {
  const Case c{1, 2, 2, 3, false, fb::SoftmaxKind::Vanilla, 0, 1, fb::GateKind::None};
  const Tensor q = random_tensor({1, 2, 6}, 19);
  try {
    run_op(c, q, q, q, int_tensor({1, 3}, {1, 1, 1}), q, {}, 1.0f);
    FAIL() << "a mask longer than the input without a cache was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("layer.0.context"), std::string::npos) << e.what();
  }
  Case five_heads = c;
  five_heads.heads = 4;
  EXPECT_THROW(run_op(five_heads, q, q, q, int_tensor({1, 2}, {1, 1}), q, {}, 1.0f), Error);
}

}  // namespace
}  // namespace qtx
