// Attention op (DESIGN.md "Graph and ops"): q, k, v [B, S, H] with heads interleaved as HF
// stores them, attention_mask [B, past + S]; vanilla or clipped softmax; an optional per-head
// gate on the context. A causal node given a KV cache slot appends this call's keys and values
// to the cache and attends over past + new. Output: the (gated) context [B, S, H].
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "engine/ops/op_context.h"
#include "engine/runtime/kv_cache.h"

namespace qtx::ops {

struct AttentionInputs {
  const Tensor& q;
  const Tensor& k;
  const Tensor& v;
  const Tensor& mask;               // I32 [B, T]
  const Tensor* gate_input;         // [B, S, H] or nullptr
  std::vector<const Tensor*> gate;  // Linear: w, b; Mlp: w1, b1, w2, b2
};

// Where this node keeps its keys and values between calls; cache == nullptr: no cache.
struct CacheSlot {
  KvCache* cache = nullptr;
  int slot = 0;
};

// The quant params of q, k and v (nullptr: float). With attrs.scores_quant / probs_quant they
// select the integer kernel of the INT8 contract (engine/cpu/attention/attention_int8.h).
struct AttentionQuant {
  const fb::QuantParamsT* q = nullptr;
  const fb::QuantParamsT* k = nullptr;
  const fb::QuantParamsT* v = nullptr;
};

// Receives the internal values "scores" (scale * QK^T) and "probs" (softmax output), each
// [B, heads, S, T], before their fake quantization: calibration records their ranges.
using AttentionObserver = std::function<void(std::string_view what, const Tensor& value)>;

Tensor attention(const OpContext& ctx, const fb::AttentionAttrsT& attrs, const AttentionInputs& in,
                 CacheSlot cache, const AttentionQuant& quant = {},
                 const AttentionObserver* observer = nullptr);

}  // namespace qtx::ops
