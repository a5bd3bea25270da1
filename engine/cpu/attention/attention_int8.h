// Attention with the INT8 contract's quantization points (qtx.fbs, AttentionAttrs), and with
// its internal values made visible for calibration. Used instead of the fast float kernel
// (attention.h) whenever an operand or an internal value is quantized or observed. Per
// (batch, head), for each query i over keys t < n (n = T, or past + i + 1 when causal):
//   scores[t] = (scale * (sq * sk)) * float(sum_d (qc[d] - zq) * (kc[t][d] - zk)) (int32 sum)
//               when q and k are quantized, else scale * sum_d q[d] * k[t][d] in float;
//   scores are fake-quantized by the scores grid (before masking); then masked_softmax over
//   the visible keys (clipped if the rule says so; masked_softmax.h), hidden keys exactly 0;
//   probs fake-quantized by the probs grid; then
//   out[d] = (sp * sv) * float(sum_t (pc[t] - zp) * (vc[t][d] - zv))          (int32 sum)
//            when probs and v are quantized, else sum_t p[t] * v[t][d] in float.
// Codes are recovered from the (on-grid) float operands with quantize_code. A query with no
// visible key gets a zero context, as in the float kernel.
//
// Speed: each (batch, head)'s codes are recovered once and laid out for register-tiled
// products. On AVX2 CPUs the integer products run as int16 multiply-adds (vpmaddwd, two
// products per int32 lane; attention_products_avx2.h). Elsewhere they run as the float
// kernel's tiles (attention_products.h) on codes held in floats: a product of codes is an
// integer below 2^24 in magnitude, and blocks of terms short enough that every partial sum
// stays below 2^24 sum exactly in float (one block up to about 258 terms for u8 x u8 codes),
// each added to the int32 sum. Either way the results are bit for bit those of int32 loops,
// whatever the tiling, the ISA or the thread count.
#pragma once

#include <cstdint>

#include "engine/cpu/attention/attention.h"
#include "engine/cpu/common/quantize.h"

namespace qtx::cpu {

// The grids of the operands and internal values; nullptr where not quantized.
struct AttentionGrids {
  const QuantGrid* q = nullptr;
  const QuantGrid* k = nullptr;
  const QuantGrid* v = nullptr;
  const QuantGrid* scores = nullptr;
  const QuantGrid* probs = nullptr;
};

// Where to copy the internal values [B, heads, S, T], before their fake quantization (nullptr:
// not wanted). Scores of keys a causal query never reaches are 0.
struct AttentionDumps {
  float* scores = nullptr;
  float* probs = nullptr;
};

// The most terms (keys T for PV, head dim for QK^T) whose int32 sums cannot overflow:
// |code - zero_point| <= 383 on every grid (qtx.fbs), and 383 * 383 * 8192 < 2^31.
inline constexpr int64_t kMaxInt8AttentionKeys = 8192;

// Which kernel sums the integer products; both give the same bits. kAuto: AVX2's int16
// multiply-adds (attention_products_avx2.h) where the CPU has AVX2, else the float tiles in
// exact blocks. Tests force each; kAvx2Pairs on a CPU without AVX2 is kUnsupported.
enum class Int8AttentionProducts { kAuto, kFloatBlocks, kAvx2Pairs };

void attention_int8(const float* q, KvView keys, KvView values, const int32_t* mask,
                    const AttentionShape& shape, const AttentionRule& rule,
                    const AttentionGrids& grids, AttentionDumps dumps, int threads, float* out,
                    Int8AttentionProducts products = Int8AttentionProducts::kAuto);

}  // namespace qtx::cpu
