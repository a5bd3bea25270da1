#include "engine/ops/attention.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "engine/cpu/attention/attention.h"
#include "engine/cpu/attention/attention_gate.h"
#include "engine/cpu/attention/attention_int8.h"

namespace qtx::ops {
namespace {

struct Dims {
  int64_t batch, seq, total, heads, dh;
};

Dims check_inputs(const OpContext& ctx, const fb::AttentionAttrsT& attrs,
                  const AttentionInputs& in) {
  expect_float(ctx, "q", in.q, 3);
  expect_float(ctx, "k", in.k, 3);
  expect_shape(ctx, "k", in.k, in.q.shape());
  expect_float(ctx, "v", in.v, 3);
  expect_shape(ctx, "v", in.v, in.q.shape());
  const int64_t b = in.q.dim(0), s = in.q.dim(1), h = in.q.dim(2);
  if (attrs.num_heads < 1 || h % attrs.num_heads != 0) {
    fail(ctx, ErrorCode::kInvalidFile,
         std::to_string(attrs.num_heads) + " heads do not divide hidden size " + std::to_string(h));
  }
  if (in.mask.dtype() != DType::I32 || in.mask.rank() != 2 || in.mask.dim(0) != b ||
      in.mask.dim(1) < s) {
    fail(ctx, ErrorCode::kInvalidArgument,
         "attention_mask has shape " + shape_string(in.mask.shape()) + ", expected int32 [" +
             std::to_string(b) + ", past + " + std::to_string(s) + "]");
  }
  if (!std::isfinite(attrs.scale) || attrs.softmax < fb::SoftmaxKind::MIN ||
      attrs.softmax > fb::SoftmaxKind::MAX || !std::isfinite(attrs.gamma) ||
      !std::isfinite(attrs.zeta)) {
    fail(ctx, ErrorCode::kInvalidFile, "invalid scale or softmax parameters");
  }
  return {b, s, in.mask.dim(1), attrs.num_heads, h / attrs.num_heads};
}

kernels::GateWeights check_gate(const OpContext& ctx, fb::GateKind kind, const AttentionInputs& in,
                                const Dims& d) {
  const size_t count = kind == fb::GateKind::Linear ? 2 : 4;
  if (!in.gate_input || in.gate.size() != count) {
    fail(ctx, ErrorCode::kInvalidFile, "gated attention needs the gate input and its weights");
  }
  for (const Tensor* t : in.gate) {
    if (!t) fail(ctx, ErrorCode::kInvalidFile, "a gate weight is missing");
  }
  expect_float(ctx, "gate input", *in.gate_input, 3);
  expect_shape(ctx, "gate input", *in.gate_input, in.q.shape());
  kernels::GateWeights g;
  if (kind == fb::GateKind::Linear) {
    expect_float(ctx, "gate weight", *in.gate[0], 2);
    expect_shape(ctx, "gate weight", *in.gate[0], {d.heads, d.dh});
    expect_float(ctx, "gate bias", *in.gate[1], 1);
    expect_shape(ctx, "gate bias", *in.gate[1], {d.heads});
    g.w = in.gate[0]->data<float>();
    g.b = in.gate[1]->data<float>();
    return g;
  }
  expect_float(ctx, "gate w1", *in.gate[0], 3);
  g.hidden = in.gate[0]->dim(1);
  expect_shape(ctx, "gate w1", *in.gate[0], {d.heads, g.hidden, d.dh});
  expect_float(ctx, "gate b1", *in.gate[1], 2);
  expect_shape(ctx, "gate b1", *in.gate[1], {d.heads, g.hidden});
  expect_float(ctx, "gate w2", *in.gate[2], 2);
  expect_shape(ctx, "gate w2", *in.gate[2], {d.heads, g.hidden});
  expect_float(ctx, "gate b2", *in.gate[3], 1);
  expect_shape(ctx, "gate b2", *in.gate[3], {d.heads});
  g.w1 = in.gate[0]->data<float>();
  g.b1 = in.gate[1]->data<float>();
  g.w2 = in.gate[2]->data<float>();
  g.b2 = in.gate[3]->data<float>();
  return g;
}

// Copies token rows of src [B, S, heads*dh] into cache [B, heads, capacity, dh] at `past`.
void append(const Tensor& src, const Dims& d, int64_t past, Tensor& cache) {
  const int64_t cap = cache.dim(2);
  const float* s = src.data<float>();
  float* c = cache.data<float>();
  for (int64_t b = 0; b < d.batch; ++b) {
    for (int64_t t = 0; t < d.seq; ++t) {
      for (int64_t h = 0; h < d.heads; ++h) {
        std::memcpy(c + ((b * d.heads + h) * cap + past + t) * d.dh,
                    s + ((b * d.seq + t) * d.heads + h) * d.dh,
                    static_cast<size_t>(d.dh) * sizeof(float));
      }
    }
  }
}

kernels::KvView fresh_view(const Tensor& t, const Dims& d) {
  return {t.data<float>(), d.seq * d.heads * d.dh, d.dh, d.heads * d.dh};
}

kernels::KvView cached_view(const Tensor& t) {
  const int64_t cap = t.dim(2), dh = t.dim(3);
  return {t.data<float>(), t.dim(1) * cap * dh, cap * dh, dh};
}

// A per-tensor grid, or kUnsupported naming `what`.
std::optional<kernels::QuantGrid> grid(const OpContext& ctx, const char* what,
                                       const fb::QuantParamsT* params) {
  if (!params) return std::nullopt;
  if (params->axis != -1 || params->scales.size() != 1) {
    fail(ctx, ErrorCode::kUnsupported, std::string(what) + " quantization must be per tensor");
  }
  return kernels::grid_of(*params);
}

// The grids the integer kernel needs, and which of them exist.
struct Grids {
  std::optional<kernels::QuantGrid> q, k, v, scores, probs;

  cpu::AttentionGrids pointers() const {
    auto at = [](const std::optional<kernels::QuantGrid>& g) { return g ? &*g : nullptr; };
    return {at(q), at(k), at(v), at(scores), at(probs)};
  }
  bool any() const { return q || k || v || scores || probs; }
};

Grids grids_of(const OpContext& ctx, const fb::AttentionAttrsT& attrs, const AttentionQuant& quant,
               const Dims& d) {
  Grids g{grid(ctx, "q", quant.q), grid(ctx, "k", quant.k), grid(ctx, "v", quant.v),
          grid(ctx, "scores", attrs.scores_quant.get()),
          grid(ctx, "probs", attrs.probs_quant.get())};
  if (g.any() && d.total > cpu::kMaxInt8AttentionKeys) {
    fail(ctx, ErrorCode::kUnsupported,
         "quantized attention over " + std::to_string(d.total) + " keys exceeds " +
             std::to_string(cpu::kMaxInt8AttentionKeys));
  }
  if (g.any() && d.dh > cpu::kMaxInt8AttentionKeys) {
    fail(ctx, ErrorCode::kUnsupported,
         "quantized attention with head dim " + std::to_string(d.dh) + " exceeds " +
             std::to_string(cpu::kMaxInt8AttentionKeys));
  }
  return g;
}

// Runs the integer/observed kernel, handing the internal values to the observer.
void attend_explicit(const float* q, kernels::KvView keys, kernels::KvView values,
                     const Tensor& mask, const kernels::AttentionShape& shape,
                     const kernels::AttentionRule& rule, const Grids& grids,
                     const AttentionObserver* observer, int threads, float* out) {
  Tensor scores, probs;
  cpu::AttentionDumps dumps;
  if (observer) {
    const Shape internal{shape.batch, shape.heads, shape.seq, shape.total};
    scores = Tensor(DType::F32, internal);
    probs = Tensor(DType::F32, internal);
    dumps = {scores.data<float>(), probs.data<float>()};
  }
  if (grids.any()) {
    cpu::attention_int8(q, keys, values, mask.data<int32_t>(), shape, rule, grids.pointers(), dumps,
                        threads, out);
  } else {
    // A float model observed (calibration): the float kernel itself, so that the observed
    // values are exactly those of an unobserved run.
    cpu::attention(q, keys, values, mask.data<int32_t>(), shape, rule, threads, out,
                   {dumps.scores, dumps.probs});
  }
  if (observer) {
    (*observer)("scores", scores);
    (*observer)("probs", probs);
  }
}

}  // namespace

Tensor attention(const OpContext& ctx, const fb::AttentionAttrsT& attrs, const AttentionInputs& in,
                 CacheSlot cache, const AttentionQuant& quant, const AttentionObserver* observer) {
  const Dims d = check_inputs(ctx, attrs, in);
  const int64_t past = d.total - d.seq;
  if (!cache.cache && past > 0) {
    fail(ctx, ErrorCode::kInvalidArgument,
         "attention_mask covers " + std::to_string(d.total) + " tokens but the input has " +
             std::to_string(d.seq) + " and no KV cache holds the rest");
  }
  if (attrs.gate < fb::GateKind::MIN || attrs.gate > fb::GateKind::MAX) {
    fail(ctx, ErrorCode::kInvalidFile, "unknown gate kind");
  }
  const bool gated = attrs.gate != fb::GateKind::None;
  const kernels::GateWeights gate =
      gated ? check_gate(ctx, attrs.gate, in, d) : kernels::GateWeights{};
  const kernels::AttentionShape shape{d.batch, d.seq, d.total, d.heads, d.dh};
  const kernels::AttentionRule rule{attrs.scale, attrs.causal,
                                    attrs.softmax == fb::SoftmaxKind::Clipped, attrs.gamma,
                                    attrs.zeta};
  const Grids grids = grids_of(ctx, attrs, quant, d);
  Tensor out(DType::F32, in.q.shape());
  auto attend = [&](kernels::KvView keys, kernels::KvView values) {
    if (grids.any() || observer) {
      attend_explicit(in.q.data<float>(), keys, values, in.mask, shape, rule, grids, observer,
                      ctx.threads, out.data<float>());
    } else {
      cpu::attention(in.q.data<float>(), keys, values, in.mask.data<int32_t>(), shape, rule,
                     ctx.threads, out.data<float>());
    }
  };
  if (cache.cache) {
    KvCache::Layer& layer =
        cache.cache->reserve(cache.slot, ctx.node, d.batch, d.heads, d.dh, d.total);
    append(in.k, d, past, layer.keys);
    append(in.v, d, past, layer.values);
    attend(cached_view(layer.keys), cached_view(layer.values));
  } else {
    attend(fresh_view(in.k, d), fresh_view(in.v, d));
  }
  if (gated) {
    cpu::apply_gate(gate, in.gate_input->data<float>(), d.batch * d.seq, d.heads, d.dh,
                    out.data<float>());
  }
  return out;
}

}  // namespace qtx::ops
