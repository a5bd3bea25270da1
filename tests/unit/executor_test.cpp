// Executor::run on a tiny OPT-like decoder built with GraphBuilder: its wiring against the
// ops composed by hand, oneDNN against the reference backend, KV-cache decoding against the
// full sequence, concurrent runs, and the errors a caller can cause.
#include "engine/runtime/executor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "engine/graph/graph_builder.h"
#include "engine/ops/add.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/layer_norm.h"
#include "engine/ops/linear.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::int_tensor;
using testing::random_tensor;

constexpr int64_t kVocab = 11, kHidden = 6, kHeads = 2, kFfn = 10, kMaxPositions = 9;

std::shared_ptr<const ModelDef> tiny_decoder() {
  auto model = std::make_shared<ModelDef>();
  model->desc.config = std::make_unique<fb::ConfigT>();
  model->desc.config->vocab_size = kVocab;
  model->desc.config->max_positions = kMaxPositions;
  GraphBuilder g(*model);
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  uint32_t seed = 100;
  auto constant = [&](const std::string& name, Shape shape) {
    return g.constant(name, random_tensor(std::move(shape), seed++, 0.5f));
  };
  const int word = constant("word", {kVocab, kHidden});
  fb::EmbeddingAttrsT emb_attrs;
  emb_attrs.positions = fb::PositionMode::FromMask;
  emb_attrs.position_offset = 2;
  const int emb = g.node("embeddings", emb_attrs,
                         {ids, mask, word, constant("pos", {kMaxPositions + 2, kHidden}), -1, -1});
  const int ln = g.node("ln", fb::LayerNormAttrsT{},
                        {emb, constant("g", {kHidden}), constant("b", {kHidden})});
  auto linear = [&](const std::string& name, int x, int64_t n, int64_t k, fb::Activation act) {
    fb::LinearAttrsT attrs;
    attrs.activation = act;
    return g.node(name, attrs, {x, constant(name + ".w", {n, k}), constant(name + ".b", {n})});
  };
  const int q = linear("q", ln, kHidden, kHidden, fb::Activation::None);
  const int k = linear("k", ln, kHidden, kHidden, fb::Activation::None);
  const int v = linear("v", ln, kHidden, kHidden, fb::Activation::None);
  fb::AttentionAttrsT attn;
  attn.num_heads = kHeads;
  attn.causal = true;
  attn.scale = 1.0f / std::sqrt(3.0f);
  attn.gate = fb::GateKind::Linear;
  const int ctx = g.node("context", attn,
                         {q, k, v, mask, ln, constant("gate.w", {kHeads, kHidden / kHeads}),
                          constant("gate.b", {kHeads})});
  const int attended =
      g.node("residual", fb::AddAttrsT{}, {emb, linear("o", ctx, kHidden, kHidden, {})});
  const int inner = linear("fc1", attended, kFfn, kHidden, fb::Activation::Relu);
  const int out =
      g.node("out", fb::AddAttrsT{}, {attended, linear("fc2", inner, kHidden, kFfn, {})});
  fb::LinearAttrsT head;
  g.output(g.node("logits", head, {out, word, -1}));
  return model;
}

const Tensor& weight(const ModelDef& m, const std::string& name) {
  GraphBuilder g(const_cast<ModelDef&>(m));
  return m.constants[static_cast<size_t>(g.find(name))];
}

// The same network composed from the ops by hand, on the reference kernels.
Tensor by_hand(const ModelDef& m, const Tensor& ids, const Tensor& mask) {
  const std::string n = "by_hand";
  const ops::OpContext c{n, true};
  auto w = [&](const std::string& name) -> const Tensor& { return weight(m, name); };
  auto lin = [&](const Tensor& x, const std::string& name, fb::Activation act) {
    fb::LinearAttrsT a;
    a.activation = act;
    return ops::linear(c, a, x, w(name + ".w"), &w(name + ".b"), nullptr);
  };
  fb::EmbeddingAttrsT ea;
  ea.positions = fb::PositionMode::FromMask;
  ea.position_offset = 2;
  const Tensor emb = ops::embedding(c, ea, {ids, mask, w("word"), w("pos"), nullptr, nullptr});
  const Tensor ln = ops::layer_norm(c, {}, emb, w("g"), w("b"));
  fb::AttentionAttrsT aa;
  aa.num_heads = kHeads;
  aa.causal = true;
  aa.scale = 1.0f / std::sqrt(3.0f);
  aa.gate = fb::GateKind::Linear;
  const Tensor ctx = ops::attention(c, aa,
                                    {lin(ln, "q", {}),
                                     lin(ln, "k", {}),
                                     lin(ln, "v", {}),
                                     mask,
                                     &ln,
                                     {&w("gate.w"), &w("gate.b")}},
                                    {});
  const Tensor attended = ops::add(c, emb, lin(ctx, "o", {}));
  const Tensor ffn = lin(lin(attended, "fc1", fb::Activation::Relu), "fc2", {});
  return ops::linear(c, {}, ops::add(c, attended, ffn), w("word"), nullptr, nullptr);
}

// Two sequences, the second left-padded by two, as generate() pads.
const std::vector<int32_t> kIds = {3, 7, 1, 9, 4, 0, 0, 5, 2, 8};
const std::vector<int32_t> kMask = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1};

TEST(Executor, MatchesOpsComposedByHand) {
  const auto model = tiny_decoder();
  const Executor reference(model, {Backend::kReference, 1});
  const Tensor ids = int_tensor({2, 5}, kIds), mask = int_tensor({2, 5}, kMask);
  const auto out = reference.run({ids, mask}, nullptr);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), (Shape{2, 5, kVocab}));
  testing::expect_close(out[0], by_hand(*model, ids, mask), 0.0);
}

TEST(Executor, OneDnnMatchesReference) {
  const auto model = tiny_decoder();
  const Executor cpu(model, {Backend::kCpu, 0});
  const Executor reference(model, {Backend::kReference, 0});
  const RunInputs in{int_tensor({2, 5}, kIds), int_tensor({2, 5}, kMask)};
  testing::expect_close(cpu.run(in, nullptr)[0], reference.run(in, nullptr)[0], 1e-5);
}

// A 3-token prefill and two single-token steps give the full sequence's logits.
void check_cache_steps(Backend backend) {
  const auto model = tiny_decoder();
  const Executor exec(model, {backend, 0});
  const Tensor full = exec.run({int_tensor({2, 5}, kIds), int_tensor({2, 5}, kMask)}, nullptr)[0];
  KvCache cache;
  auto columns = [](const std::vector<int32_t>& src, int64_t from, int64_t to) {
    std::vector<int32_t> v;
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t t = from; t < to; ++t) v.push_back(src[static_cast<size_t>(b * 5 + t)]);
    }
    return int_tensor({2, to - from}, v);
  };
  int64_t done = 0;
  for (int64_t upto : {3, 4, 5}) {
    const Tensor logits = exec.run({columns(kIds, done, upto), columns(kMask, 0, upto)}, &cache)[0];
    ASSERT_EQ(cache.length(), upto);
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t t = done; t < upto; ++t) {
        for (int64_t v = 0; v < kVocab; ++v) {
          EXPECT_NEAR(logits.data<float>()[(b * (upto - done) + t - done) * kVocab + v],
                      full.data<float>()[(b * 5 + t) * kVocab + v], 1e-5)
              << "batch " << b << " token " << t;
        }
      }
    }
    done = upto;
  }
  cache.clear();
  EXPECT_EQ(cache.length(), 0);
}

TEST(KvCache, StepsEqualFullSequenceReference) {
  check_cache_steps(Backend::kReference);
}
TEST(KvCache, StepsEqualFullSequenceOneDnn) {
  check_cache_steps(Backend::kCpu);
}

TEST(KvCache, FailedRunLeavesCacheUnchanged) {
  const Executor exec(tiny_decoder(), {Backend::kCpu, 0});
  KvCache cache;
  exec.run({int_tensor({1, 2}, {1, 2}), int_tensor({1, 2}, {1, 1})}, &cache);
  EXPECT_THROW(exec.run({int_tensor({1, 1}, {99}), int_tensor({1, 3}, {1, 1, 1})}, &cache), Error);
  EXPECT_EQ(cache.length(), 2);
  // Another batch size without clearing the cache is refused.
  EXPECT_THROW(
      exec.run({int_tensor({2, 1}, {1, 1}), int_tensor({2, 3}, {1, 1, 1, 1, 1, 1})}, &cache),
      Error);
}

TEST(Executor, ConcurrentRunsGiveIdenticalResults) {
  const Executor exec(tiny_decoder(), {Backend::kCpu, 1});
  const RunInputs in{int_tensor({2, 5}, kIds), int_tensor({2, 5}, kMask)};
  const Tensor want = exec.run(in, nullptr)[0];
  std::vector<Tensor> got(2);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      for (int r = 0; r < 20; ++r) got[i] = exec.run(in, nullptr)[0];
    });
  }
  for (auto& t : threads) t.join();
  for (const Tensor& g : got) {
    ASSERT_EQ(g.shape(), want.shape());
    for (int64_t i = 0; i < want.numel(); ++i) EXPECT_EQ(g.data<float>()[i], want.data<float>()[i]);
  }
}

void expect_error(const Executor& exec, const RunInputs& in, const std::string& message) {
  try {
    exec.run(in, nullptr);
    FAIL() << "accepted; expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Executor, RejectsBadInputs) {
  const Executor exec(tiny_decoder(), {Backend::kCpu, 0});
  expect_error(exec, {int_tensor({1, 2}, {1, 11}), int_tensor({1, 2}, {1, 1})},
               "token id 11 at [0, 1] is outside the vocabulary of 11 tokens");
  expect_error(exec, {int_tensor({1, 2}, {1, -1}), int_tensor({1, 2}, {1, 1})}, "token id -1");
  const std::vector<int32_t> ten(10, 1);
  expect_error(exec, {int_tensor({1, 10}, ten), int_tensor({1, 10}, ten)},
               "input of 10 tokens exceeds the model's maximum of 9");
  expect_error(exec, {int_tensor({1, 2}, {1, 2}), int_tensor({1, 3}, {1, 1, 1})},
               "attention_mask is int32 [1, 3], expected int32 [1, 2]");
  expect_error(exec, {int_tensor({1, 2}, {1, 2}), int_tensor({2, 1}, {1, 1})},
               "attention_mask is int32 [2, 1], expected int32 [1, 2]");
}

}  // namespace
}  // namespace qtx
