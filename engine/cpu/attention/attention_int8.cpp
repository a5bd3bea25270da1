#include "engine/cpu/attention/attention_int8.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/attention/attention_operands.h"
#include "engine/cpu/attention/attention_products.h"
#include "engine/cpu/attention/attention_products_avx2.h"
#include "engine/cpu/attention/masked_softmax.h"
#include "engine/cpu/common/parallel_for.h"
#include "qtx/error.h"

namespace qtx::cpu {
namespace {

// Every integer of magnitude <= 2^24 is a float, so a float sum of integer products stays
// exact while no partial sum exceeds it.
constexpr int64_t kExactFloatIntegers = int64_t{1} << 24;

// How one product (QK^T or PV) is summed. On codes: in blocks of at most `block` terms, each
// summed exactly in float and added to an int32 sum, the result factor * float(int32 sum):
// the contract's integer arithmetic, bit for bit. On float values: one sum over all terms,
// times factor.
struct Reduction {
  bool integer;
  int64_t block;
  float factor;
};

Reduction integer_reduction(const QuantGrid& a, const QuantGrid& b, float factor) {
  const int64_t largest_product = int64_t{max_centred_code(a)} * max_centred_code(b);
  return {true, kExactFloatIntegers / largest_product, factor};
}

Reduction score_reduction(const AttentionRule& rule, const AttentionGrids& g, int64_t dh) {
  if (g.q && g.k) return integer_reduction(*g.q, *g.k, rule.scale * (g.q->scale * g.k->scale));
  return {false, dh, rule.scale};
}

Reduction context_reduction(const AttentionGrids& g, int64_t total) {
  if (g.probs && g.v) return integer_reduction(*g.probs, *g.v, g.probs->scale * g.v->scale);
  // x * 1 == x for every float: the float sum itself.
  return {false, total, 1.0f};
}

// The [rows, cols] outputs of a product, rows `stride` apart.
struct Region {
  int64_t rows, cols, stride;
};

// Leaves factor * (the product summed over [0, terms)) in `partial`; product(begin, end,
// scale) writes scale * (the sum over terms [begin, end)) there. `sums` holds the int32 sums
// of codes when they take several blocks.
template <class Product>
void reduce(const Reduction& red, int64_t terms, const Region& m, float* partial, int32_t* sums,
            Product product) {
  // One block (always so for floats): its float sum is the sum itself, for codes the exact
  // integer one, and float(int32(x)) == x.
  if (terms <= red.block) {
    product(int64_t{0}, terms, red.factor);
    return;
  }
  for (int64_t begin = 0; begin < terms; begin += red.block) {
    product(begin, std::min(terms, begin + red.block), 1.0f);
    for (int64_t r = 0; r < m.rows; ++r) {
      for (int64_t c = 0; c < m.cols; ++c) {
        const int64_t at = r * m.stride + c;
        const auto block_sum = static_cast<int32_t>(partial[at]);  // an exact integer
        sums[at] = begin == 0 ? block_sum : sums[at] + block_sum;
      }
    }
  }
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) {
      const int64_t at = r * m.stride + c;
      partial[at] = red.factor * static_cast<float>(sums[at]);
    }
  }
}

// What every row tile of a call shares.
struct Plan {
  const AttentionShape& shape;
  const AttentionRule& rule;
  const AttentionGrids& grids;
  Reduction scores, context;
  // kCodePairs for an integer product when the AVX2 kernel sums it, else kFloat.
  ProductForm scores_form, context_form;
};

ProductForm form_of(const Reduction& red, bool avx2) {
  return red.integer && avx2 ? ProductForm::kCodePairs : ProductForm::kFloat;
}

// Per-thread scratch of one row tile: scores (then probabilities, then their codes, also as
// int16 for the AVX2 kernel) and contexts with their int32 sums, and the current batch row's
// mask as 1/0 (visible) and 0/-inf (hidden) floats for masked_softmax.
struct TileScratch {
  TileScratch(const AttentionShape& shape, int64_t context_columns)
      : stride(padded_keys(shape.total)),
        context_stride(context_columns),
        scores(static_cast<size_t>(kTileRows * stride)),
        score_sums(scores.size()),
        probs_codes(scores.size()),
        context(static_cast<size_t>(kTileRows * context_columns)),
        context_sums(context.size()),
        visible(static_cast<size_t>(shape.total)),
        hidden(visible.size()) {}

  int64_t stride;
  int64_t context_stride;
  std::vector<float> scores;
  std::vector<int32_t> score_sums;
  std::vector<int16_t> probs_codes;  // [kTileRows][stride]
  std::vector<float> context;
  std::vector<int32_t> context_sums;
  std::vector<float> visible;
  std::vector<float> hidden;
};

void set_mask(const int32_t* mask, int64_t total, TileScratch& s) {
  for (int64_t t = 0; t < total; ++t) {
    const bool seen = mask[t] != 0;
    s.visible[static_cast<size_t>(t)] = seen ? 1.0f : 0.0f;
    s.hidden[static_cast<size_t>(t)] = seen ? 0.0f : -INFINITY;
  }
}

// Copies row[0, n) to dst[0, total), zeros after n; nothing when dst is nullptr.
void dump_row(const float* row, int64_t n, int64_t total, float* dst) {
  if (!dst) return;
  std::copy(row, row + n, dst);
  std::fill(dst + n, dst + total, 0.0f);
}

// Scores -> what PV multiplies, over one row's n visible-or-hidden keys, zeros up to n_max
// (the tile's longest row): fake-quantized scores, softmax, fake-quantized probs, their codes
// when PV is integer; in place, or as int16 into `codes` (and one more zero, to fill the last
// pair) for the AVX2 kernel. False when no key is visible (the row is then all zeros).
bool form_probabilities(const Plan& plan, const TileScratch& scratch, int64_t n, int64_t n_max,
                        float* row, int16_t* codes, AttentionDumps dumps) {
  const AttentionGrids& g = plan.grids;
  const int64_t total = plan.shape.total;
  dump_row(row, n, total, dumps.scores);
  if (g.scores) fake_quantize(*g.scores, row, n);
  const bool seen =
      masked_softmax(plan.rule, scratch.visible.data(), scratch.hidden.data(), n, row);
  std::fill(seen ? row + n : row, row + n_max, 0.0f);
  dump_row(row, n, total, dumps.probs);
  if (!g.probs) return seen;
  // The codes of the fake-quantized probabilities are those of the probabilities: for p in
  // [0, 1] with code k, fake quantization gives k * sp * (1 + a), whose code is
  // round(k * (1 + a) * (1 + b)) = k (|a|, |b| <= 2^-24, |k| <= 383; a = 0 where k * sp is
  // subnormal, a whole number of the smallest subnormal; k >= 1 needs sp <= 2p, so k * sp
  // cannot overflow). So one division per probability, not two.
  if (plan.context_form == ProductForm::kCodePairs) {
    centred_codes(*g.probs, row, n_max, codes);
    codes[n_max] = 0;
  } else if (plan.context.integer) {
    centred_codes(*g.probs, row, n, row);
  } else {
    fake_quantize(*g.probs, row, n);
  }
  return seen;
}

// Where one row tile's queries come from and its outputs and dumps go.
struct RowTile {
  int64_t first;  // query row of the tile's row 0
  int64_t rows;
  float* out;  // query `first`'s context; row i's lies (i - first) * row_stride after
  int64_t row_stride;
  AttentionDumps dumps;  // this (batch, head)'s [S, T] rows, or nullptr
};

// The tile's scores over its first n_max keys, into scratch.scores.
void compute_scores(const Plan& plan, const HeadOperands& ops, const RowTile& tile, int64_t n_max,
                    TileScratch& scratch) {
  const int64_t stride = scratch.stride;
  float* scores = scratch.scores.data();
  if (plan.scores_form == ProductForm::kCodePairs) {
    const int16_t* q[kTileRows];
    for (int64_t r = 0; r < tile.rows; ++r) q[r] = ops.query_codes(tile.first + r);
    score_products_avx2(tile.rows, q, ops.key_pairs(), stride, ops.dh_pairs(), n_max,
                        plan.scores.factor, scores);
    return;
  }
  const float* q[kTileRows];
  for (int64_t r = 0; r < tile.rows; ++r) q[r] = ops.query(tile.first + r);
  reduce(plan.scores, plan.shape.dh, {tile.rows, n_max, stride}, scores, scratch.score_sums.data(),
         [&](int64_t d0, int64_t d1, float scale) {
           score_products(tile.rows, q, ops.keys_t(), stride, d0, d1, n_max, scale, scores);
         });
}

// The tile's contexts from the weights in scratch.scores or scratch.probs_codes (their first
// n_max columns), into scratch.context.
void compute_context(const Plan& plan, const HeadOperands& ops, const RowTile& tile, int64_t n_max,
                     TileScratch& scratch) {
  const int64_t stride = scratch.stride, dh = plan.shape.dh;
  const float* weights = scratch.scores.data();
  float* context = scratch.context.data();
  if (plan.context_form == ProductForm::kCodePairs) {
    context_products_avx2(tile.rows, scratch.probs_codes.data(), stride, ops.value_pairs(),
                          ops.value_columns(), (n_max + 1) / 2, plan.context.factor, context);
    return;
  }
  reduce(plan.context, n_max, {tile.rows, dh, dh}, context, scratch.context_sums.data(),
         [&](int64_t t0, int64_t t1, float scale) {
           context_products(tile.rows, weights, stride, ops.values(), dh, t0, t1, scale, context);
         });
}

void attend_rows(const Plan& plan, const HeadOperands& ops, const RowTile& tile,
                 TileScratch& scratch) {
  const AttentionShape& shape = plan.shape;
  const int64_t past = shape.total - shape.seq, dh = shape.dh;
  // Causal rows see more keys as they go, so the last row sees the most.
  const int64_t n_max = plan.rule.causal ? past + tile.first + tile.rows : shape.total;
  compute_scores(plan, ops, tile, n_max, scratch);
  bool seen[kTileRows];
  for (int64_t r = 0; r < tile.rows; ++r) {
    const int64_t i = tile.first + r;
    const int64_t n = plan.rule.causal ? past + i + 1 : shape.total;
    AttentionDumps row_dumps;
    if (tile.dumps.scores) row_dumps.scores = tile.dumps.scores + i * shape.total;
    if (tile.dumps.probs) row_dumps.probs = tile.dumps.probs + i * shape.total;
    seen[r] =
        form_probabilities(plan, scratch, n, n_max, scratch.scores.data() + r * scratch.stride,
                           scratch.probs_codes.data() + r * scratch.stride, row_dumps);
  }
  compute_context(plan, ops, tile, n_max, scratch);
  for (int64_t r = 0; r < tile.rows; ++r) {
    float* o = tile.out + r * tile.row_stride;
    // A query with no visible key is padding: its context is exactly zero, whatever V holds.
    if (seen[r]) {
      std::copy_n(scratch.context.data() + r * scratch.context_stride, dh, o);
    } else {
      std::fill(o, o + dh, 0.0f);
    }
  }
}

bool use_avx2(Int8AttentionProducts products) {
  switch (products) {
    case Int8AttentionProducts::kFloatBlocks:
      return false;
    case Int8AttentionProducts::kAvx2Pairs:
      if (!avx2_products_supported()) {
        throw Error(ErrorCode::kUnsupported, "int8 attention: this CPU has no AVX2");
      }
      return true;
    case Int8AttentionProducts::kAuto:
      break;
  }
  return avx2_products_supported();
}

}  // namespace

void attention_int8(const float* q, KvView keys, KvView values, const int32_t* mask,
                    const AttentionShape& shape, const AttentionRule& rule,
                    const AttentionGrids& grids, AttentionDumps dumps, int threads, float* out,
                    Int8AttentionProducts products) {
  const Reduction scores = score_reduction(rule, grids, shape.dh);
  const Reduction context = context_reduction(grids, shape.total);
  const bool avx2 = use_avx2(products);
  const Plan plan{
      shape, rule, grids, scores, context, form_of(scores, avx2), form_of(context, avx2)};
  const int64_t row = shape.heads * shape.dh;
  const int64_t per_pair = shape.seq * shape.total;
  const int64_t work_per_pair = per_pair * shape.dh;
  const int64_t min_pairs =
      std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(work_per_pair, 1));
  // (batch, head) pairs are independent: each writes its own columns of `out`.
  parallel_for(shape.batch * shape.heads, threads, min_pairs, [&](int64_t begin, int64_t end) {
    // Codes only where a product is integer: a lone quantized operand multiplies as floats.
    HeadOperands ops(shape,
                     {scores.integer ? grids.q : nullptr, scores.integer ? grids.k : nullptr,
                      context.integer ? grids.v : nullptr},
                     plan.scores_form, plan.context_form);
    TileScratch scratch(
        shape, plan.context_form == ProductForm::kCodePairs ? ops.value_columns() : shape.dh);
    for (int64_t pair = begin; pair < end; ++pair) {
      const int64_t b = pair / shape.heads, h = pair % shape.heads;
      ops.load({q + b * shape.seq * row + h * shape.dh, row,
                keys.data + b * keys.batch_stride + h * keys.head_stride, keys.token_stride,
                values.data + b * values.batch_stride + h * values.head_stride,
                values.token_stride});
      set_mask(mask + b * shape.total, shape.total, scratch);
      AttentionDumps pair_dumps;
      if (dumps.scores) pair_dumps.scores = dumps.scores + pair * per_pair;
      if (dumps.probs) pair_dumps.probs = dumps.probs + pair * per_pair;
      for (int64_t i0 = 0; i0 < shape.seq; i0 += kTileRows) {
        const RowTile tile{i0, std::min(kTileRows, shape.seq - i0),
                           out + (b * shape.seq + i0) * row + h * shape.dh, row, pair_dumps};
        attend_rows(plan, ops, tile, scratch);
      }
    }
  });
}

}  // namespace qtx::cpu
