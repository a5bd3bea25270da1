// Executor::run on a tiny BERT-like encoder quantized by hand with GraphBuilder (static
// asymmetric and symmetric activations, a dynamic per-token Linear, a weight-only head,
// quantized attention scores and probabilities): both backends give identical values, a
// sentence gives the same logits alone and inside a padded batch, the observer sees values
// before their fake quantization, and the loader's checks refuse broken int8 fields.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>

#include "engine/cpu/linear/int8_gemm_avx2.h"
#include "engine/format/model_checks.h"
#include "engine/graph/graph_builder.h"
#include "engine/runtime/executor.h"
#include "qtx/error.h"
#include "tests/unit/op_test_util.h"

namespace qtx {
namespace {

using testing::int_tensor;
using testing::random_tensor;

constexpr int64_t kVocab = 13, kHidden = 16, kHeads = 2, kFfn = 24, kMaxPositions = 12;

std::unique_ptr<fb::QuantParamsT> grid(float scale, int zero, int qmin, int qmax) {
  auto q = std::make_unique<fb::QuantParamsT>();
  q->scales = {scale};
  q->zero_points = {zero};
  q->qmin = qmin;
  q->qmax = qmax;
  return q;
}
std::unique_ptr<fb::QuantParamsT> asym(float scale, int zero) {
  return grid(scale, zero, 0, 255);
}
std::unique_ptr<fb::QuantParamsT> sym(float scale) {
  return grid(scale, 0, -127, 127);
}

class Builder {
 public:
  explicit Builder(ModelDef& m) : model_(m), g_(m) {}

  int constant(const std::string& name, Shape shape, float scale = 0.5f) {
    return g_.constant(name, random_tensor(std::move(shape), seed_++, scale));
  }

  // An I8 weight [n, k] with per-channel scales.
  int int8_weight(const std::string& name, int64_t n, int64_t k) {
    Tensor w(DType::I8, {n, k});
    std::mt19937 rng(seed_++);
    std::uniform_int_distribution<int> code(-127, 127);
    for (int64_t i = 0; i < n * k; ++i) w.data<int8_t>()[i] = static_cast<int8_t>(code(rng));
    const int id = g_.constant(name, std::move(w));
    auto q = std::make_unique<fb::QuantParamsT>();
    q->axis = 0;
    for (int64_t i = 0; i < n; ++i)
      q->scales.push_back(0.004f + 0.0005f * static_cast<float>(i % 4));
    tensor(id).quant = std::move(q);
    return id;
  }

  int linear(const std::string& name, int x, int64_t n, int64_t k, fb::Activation act,
             bool dynamic = false) {
    fb::LinearAttrsT attrs;
    attrs.activation = act;
    attrs.dynamic_quant = dynamic;
    return g_.node(name, attrs, {x, int8_weight(name + ".w", n, k), constant(name + ".b", {n})});
  }

  fb::TensorT& tensor(int id) { return *model_.desc.graph->tensors[static_cast<size_t>(id)]; }
  GraphBuilder& graph() { return g_; }

 private:
  ModelDef& model_;
  GraphBuilder g_;
  uint32_t seed_ = 1;
};

std::shared_ptr<ModelDef> tiny_int8_encoder() {
  auto model = std::make_shared<ModelDef>();
  model->desc.config = std::make_unique<fb::ConfigT>();
  model->desc.config->vocab_size = kVocab;
  model->desc.config->max_positions = kMaxPositions;
  Builder b(*model);
  GraphBuilder& g = b.graph();
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  const int word = b.constant("word", {kVocab, kHidden});
  const int emb = g.node("embeddings", fb::EmbeddingAttrsT{},
                         {ids, mask, word, b.constant("pos", {kMaxPositions, kHidden}), -1, -1});
  b.tensor(emb).quant = asym(0.01f, 128);
  const int ln = g.node("ln0", fb::LayerNormAttrsT{},
                        {emb, b.constant("g0", {kHidden}), b.constant("b0", {kHidden})});
  b.tensor(ln).quant = asym(0.02f, 120);
  const int q = b.linear("q", ln, kHidden, kHidden, fb::Activation::None);
  b.tensor(q).quant = asym(0.01f, 130);
  const int k = b.linear("k", ln, kHidden, kHidden, fb::Activation::None);
  b.tensor(k).quant = sym(0.01f);
  const int v = b.linear("v", ln, kHidden, kHidden, fb::Activation::None);
  b.tensor(v).quant = asym(0.01f, 125);
  fb::AttentionAttrsT attn;
  attn.num_heads = kHeads;
  attn.scale = 1.0f / std::sqrt(8.0f);
  attn.scores_quant = asym(0.002f, 128);
  attn.probs_quant = asym(1.0f / 255.0f, 0);
  const int ctx = g.node("context", attn, {q, k, v, mask});
  b.tensor(ctx).quant = sym(0.005f);
  const int attended = g.node("residual", fb::AddAttrsT{},
                              {emb, b.linear("o", ctx, kHidden, kHidden, fb::Activation::None)});
  b.tensor(attended).quant = asym(0.02f, 127);
  const int ln1 = g.node("ln1", fb::LayerNormAttrsT{},
                         {attended, b.constant("g1", {kHidden}), b.constant("b1", {kHidden})});
  const int inner = b.linear("fc1", ln1, kFfn, kHidden, fb::Activation::Gelu, true);
  b.tensor(inner).quant = asym(0.01f, 20);
  const int out = g.node("out", fb::AddAttrsT{},
                         {attended, b.linear("fc2", inner, kHidden, kFfn, fb::Activation::None)});
  fb::LinearAttrsT head;  // weight-only: out carries no quant params and no dynamic flag
  g.output(g.node("logits", head, {out, b.int8_weight("head.w", kVocab, kHidden), -1}));
  return model;
}

// Every node's values as the observer sees them, by node and point.
class Recorder : public RunObserver {
 public:
  void observe(int node, std::string_view what, const Tensor& value) override {
    values[{node, std::string(what)}] = value;
  }
  std::map<std::pair<int, std::string>, Tensor> values;
};

const std::vector<int32_t> kIds = {3, 7, 1, 9, 4, 0, 0, 0, 5, 2, 8, 11, 6, 10, 12, 1};
const std::vector<int32_t> kMask = {1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};

// The s32 kernels are bit-exact with the reference; oneDNN's fused path (kAuto on VNNI and AMX
// CPUs) is not, and FusedOneDnnPathFollowsTheReference checks it within its bounds.
cpu::Int8Kernel exact_int8_kernel() {
  return cpu::Avx2Int8Gemm::supported() ? cpu::Int8Kernel::kAvx2 : cpu::Int8Kernel::kReference;
}

TEST(Int8Executor, BackendsAgree) {
  const auto model = tiny_int8_encoder();
  const Executor cpu(model, {Backend::kCpu, 0, exact_int8_kernel()});
  const Executor reference(model, {Backend::kReference, 0});
  const RunInputs in{int_tensor({2, 8}, kIds), int_tensor({2, 8}, kMask)};
  Recorder fast, slow;
  const Tensor got = cpu.run(in, nullptr, &fast)[0];
  const Tensor want = reference.run(in, nullptr, &slow)[0];
  ASSERT_EQ(fast.values.size(), slow.values.size());
  const int head = static_cast<int>(model->graph().nodes.size()) - 1;
  for (const auto& [key, value] : slow.values) {
    SCOPED_TRACE(::testing::Message() << "node " << key.first << " " << key.second);
    const Tensor& other = fast.values.at(key);
    ASSERT_EQ(other.shape(), value.shape());
    // Integer arithmetic and shared float code: identical up to the float head's GEMM.
    if (key.first != head) {
      ASSERT_EQ(0, std::memcmp(other.raw(), value.raw(), value.nbytes()));
    }
  }
  testing::expect_close(got, want, 1e-5);
  // The run without an observer fuses the output quantization into the int8 epilogue.
  testing::expect_close(cpu.run(in, nullptr)[0], want, 1e-5);
  EXPECT_EQ(0, std::memcmp(reference.run(in, nullptr)[0].raw(), want.raw(), want.nbytes()));
}

TEST(Int8Executor, ObservesValuesBeforeFakeQuantization) {
  const auto model = tiny_int8_encoder();
  const Executor cpu(model, {Backend::kCpu, 0});
  Recorder seen;
  cpu.run({int_tensor({2, 8}, kIds), int_tensor({2, 8}, kMask)}, nullptr, &seen);
  GraphBuilder g(*model);
  const auto node_of = [&](const std::string& name) {
    const auto& nodes = model->graph().nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->name == name) return static_cast<int>(i);
    }
    return -1;
  };
  // q's output grid is 0.01: raw values are (almost all) off it.
  const Tensor& q = seen.values.at({node_of("q"), "output"});
  int off_grid = 0;
  for (int64_t i = 0; i < q.numel(); ++i) {
    const float code = q.data<float>()[i] / 0.01f;
    off_grid += std::fabs(code - std::nearbyint(code)) > 1e-3f;
  }
  EXPECT_GT(off_grid, q.numel() / 2);
  EXPECT_EQ(seen.values.at({node_of("context"), "scores"}).shape(), (Shape{2, kHeads, 8, 8}));
  EXPECT_EQ(seen.values.at({node_of("context"), "probs"}).shape(), (Shape{2, kHeads, 8, 8}));
}

// The dynamic recipe: no activation quant params, every int8 Linear per-token.
std::shared_ptr<ModelDef> dynamic_int8_encoder() {
  auto model = tiny_int8_encoder();
  for (auto& t : model->desc.graph->tensors) {
    if (!t->constant) t->quant.reset();
  }
  for (auto& n : model->desc.graph->nodes) {
    if (auto* a = n->op.AsLinearAttrs()) a->dynamic_quant = true;
    if (auto* a = n->op.AsAttentionAttrs()) a->scores_quant.reset(), a->probs_quant.reset();
  }
  return model;
}

// Every int8 Linear static (fc1 too), every activation grid u8 with 7-bit codes [0, 127]:
// oneDNN's int8 kernels are exact on those even without VNNI (int8_linear_test.cpp), so the
// fused oneDNN path can run here on any x86 CPU.
std::shared_ptr<ModelDef> seven_bit_int8_encoder() {
  auto model = tiny_int8_encoder();
  model->desc.graph->tensors[static_cast<size_t>(GraphBuilder(*model).find("ln1"))]->quant =
      asym(0.02f, 64);
  for (auto& t : model->desc.graph->tensors) {
    if (t->constant || !t->quant) continue;
    t->quant->zero_points = {64};
    t->quant->qmin = 0;
    t->quant->qmax = 127;
  }
  for (auto& n : model->desc.graph->nodes) {
    if (auto* a = n->op.AsLinearAttrs()) a->dynamic_quant = false;
  }
  return model;
}

// The first sentence (5 tokens) alone and right-padded to 8 beside a longer one: 5 and 16
// rows per Linear, so oneDNN may pick other kernels for each.
TEST(Int8Executor, BatchedEqualsUnbatched) {
  struct Variant {
    const char* name;
    std::shared_ptr<ModelDef> model;
    cpu::Int8Kernel kernel;
    bool needs_vnni;  // codes up to 255 on oneDNN: exact only with VNNI
  };
  const bool vnni = cpu::best_int8_kernel() == cpu::Int8Kernel::kOneDnn;
  const Variant variants[] = {
      {"static", tiny_int8_encoder(), cpu::Int8Kernel::kAuto, false},
      {"dynamic", dynamic_int8_encoder(), cpu::Int8Kernel::kAuto, false},
      {"dynamic on oneDNN's s32 sums", dynamic_int8_encoder(), cpu::Int8Kernel::kOneDnn, true},
      {"static 7-bit", seven_bit_int8_encoder(), cpu::Int8Kernel::kAuto, false},
      {"static 7-bit, fused oneDNN", seven_bit_int8_encoder(), cpu::Int8Kernel::kOneDnn, false}};
  for (const Variant& v : variants) {
    if (v.needs_vnni && !vnni) continue;
    for (Backend backend : {Backend::kCpu, Backend::kReference}) {
      SCOPED_TRACE(::testing::Message()
                   << v.name << (backend == Backend::kCpu ? "" : " reference"));
      const Executor exec(v.model, {backend, 0, v.kernel});
      const std::vector<int32_t> alone(kIds.begin(), kIds.begin() + 5);
      const Tensor single =
          exec.run({int_tensor({1, 5}, alone), int_tensor({1, 5}, {1, 1, 1, 1, 1})}, nullptr)[0];
      const Tensor batched =
          exec.run({int_tensor({2, 8}, kIds), int_tensor({2, 8}, kMask)}, nullptr)[0];
      std::vector<double> want(single.data<float>(), single.data<float>() + single.numel());
      testing::expect_close(batched.data<float>(), want, 1e-5);
    }
  }
}

// The fused oneDNN path against the reference backend on the whole model. Its Linears are
// within float rounding of the reference's, and within one step where fake-quantized
// (int8_linear_test.cpp); a code one step off moves this model's logits by far less than 1% of
// their range (measured on AVX2: 5e-7 of 2.8, no code off), while a wrong bias or zero point
// moves them by more.
TEST(Int8Executor, FusedOneDnnPathFollowsTheReference) {
  const auto model = seven_bit_int8_encoder();
  const Executor fused(model, {Backend::kCpu, 0, cpu::Int8Kernel::kOneDnn});
  const Executor reference(model, {Backend::kReference, 0});
  const RunInputs in{int_tensor({2, 8}, kIds), int_tensor({2, 8}, kMask)};
  const Tensor got = fused.run(in, nullptr)[0];
  const Tensor want = reference.run(in, nullptr)[0];
  double scale = 0, worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    scale = std::max(scale, double(std::abs(want.data<float>()[i])));
    worst = std::max(worst, double(std::abs(got.data<float>()[i] - want.data<float>()[i])));
  }
  EXPECT_LE(worst, 0.01 * scale);
}

// Breaks one int8 field of a fresh model (found by tensor name) and expects the loader's
// checks to refuse it with a message containing `what`.
void check_as_loader(const ModelDef& model) {
  format::check_tensors(model.graph(), uint64_t{1} << 40, "m.qtx");
  format::check_nodes(model.graph(), "m.qtx");
}

// The model with its constants' byte sizes filled in, as the writer records them.
std::shared_ptr<ModelDef> sized_model() {
  auto model = tiny_int8_encoder();
  for (size_t i = 0; i < model->constants.size(); ++i) {
    if (!model->constants[i].empty()) {
      model->desc.graph->tensors[i]->data_size = model->constants[i].nbytes();
    }
  }
  return model;
}

void expect_refused(const std::function<void(ModelDef&, fb::TensorT&)>& breaks,
                    const std::string& tensor, const std::string& what) {
  auto model = sized_model();
  const int id = GraphBuilder(*model).find(tensor);
  ASSERT_GE(id, 0) << tensor;
  breaks(*model, *model->desc.graph->tensors[static_cast<size_t>(id)]);
  try {
    check_as_loader(*model);
    FAIL() << "accepted: " << what;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << what;
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(Int8Executor, LoaderChecksRefuseBrokenInt8Fields) {
  EXPECT_NO_THROW(check_as_loader(*sized_model()));
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant->scales[0] = -1.0f; }, "q",
                 "tensor 'q': quantization scale #0");
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant->zero_points[0] = 256; }, "ln0",
                 "zero point #0 (256)");
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant->qmin = 127; }, "k", "range [127, 127]");
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant->qmax = 300; }, "v", "within [-128, 255]");
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant->scales.pop_back(); }, "fc1.w",
                 "tensor 'fc1.w'");
  expect_refused([](ModelDef&, fb::TensorT& t) { t.quant.reset(); }, "head.w",
                 "int8 constant has no quantization scales");
  expect_refused(
      [](ModelDef&, fb::TensorT& t) {
        t.quant->zero_points = {0, 3};
      },
      "o.w", "zero points");
  expect_refused(
      [](ModelDef& m, fb::TensorT&) {
        for (auto& n : m.desc.graph->nodes) {
          if (auto* a = n->op.AsAttentionAttrs()) a->probs_quant->scales[0] = NAN;
        }
      },
      "context", "probs_quant: quantization scale #0");
}

}  // namespace
}  // namespace qtx
