// The softmax of one attention row over its visible keys, in a fixed order of float
// operations (the INT8 contract's tests reproduce it bit for bit):
//   m = the largest visible score (no visible key: the row is left as it is, false returned);
//   e[t] = exp_nonpositive(s[t] - m) for a visible key, exactly 0 for a hidden one;
//   sum = kSoftmaxLanes interleaved partial sums (lane j adds e[t] for t = j mod kSoftmaxLanes
//         below the last whole group of lanes, lane 0 then the rest in order), lanes added in
//         order;
//   p[t] = e[t] * (1 / sum); clipped: p[t] = clamp((zeta - gamma) * p[t] + gamma, 0, 1) for a
//         visible key, exactly 0 for a hidden one.
// The lanes make the sum vectorise without reassociating floats behind the compiler's back.
#pragma once

#include <cstdint>

#include "engine/cpu/attention/attention.h"

namespace qtx::cpu {

inline constexpr int64_t kSoftmaxLanes = 8;

// Softmax of s[0, n) in place. visible[t]: 1 for a visible key, 0 for a hidden one; hidden[t]:
// 0 and -inf likewise, so the loops add and multiply instead of branching.
bool masked_softmax(const AttentionRule& rule, const float* visible, const float* hidden, int64_t n,
                    float* s);

}  // namespace qtx::cpu
