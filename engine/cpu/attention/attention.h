// Scaled dot-product attention over heads stored interleaved as Hugging Face does (head h =
// columns h*dh .. (h+1)*dh of a [B, S, H] tensor). Keys and values are read through strided
// views so the same kernel serves both fresh [B, S, H] projections and the KV cache's
// [B, heads, capacity, dh] layout.
#pragma once

#include <cstdint>

#include "engine/kernels/attention_operands.h"

namespace qtx::cpu {

// The contract's attention operands, used unqualified by the CPU kernels.
using kernels::AttentionRule;
using kernels::AttentionShape;
using kernels::KvView;

// Where to copy the internal values, [B, heads, S, T] each (nullptr: not wanted), so that
// calibration observes exactly what a plain run computes: the scaled scores and the
// probabilities; 0 past a causal query's last key, and probabilities 0 for a query that sees
// no key.
struct AttentionTrace {
  float* scores = nullptr;
  float* probs = nullptr;
};

// q, out: [B, S, heads*dh]; mask: [B, T] (0 hides a key). Hidden keys get probability exactly 0;
// a query with no visible key gets a zero context (it is padding). Heads run on up to
// `threads` threads (<= 0: one per core).
void attention(const float* q, KvView keys, KvView values, const int32_t* mask,
               const AttentionShape& shape, const AttentionRule& rule, int threads, float* out,
               AttentionTrace trace = {});

}  // namespace qtx::cpu
