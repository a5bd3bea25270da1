#include "tools/cli/perplexity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/cpu/common/vec8.h"
#include "engine/cpu/common/vector_math.h"
#include "qtx/error.h"

namespace qtx::cli {
namespace {

using cpu::Vec8;
using cpu::vec_at;

// Double accumulators of 8 float lanes, as a low and a high half: a sum over a 50k vocabulary
// keeps double precision while its terms are computed 8 at a time. (One 64-byte vector of 8
// doubles is wider than an AVX2 register, and GCC then keeps it on the stack.)
using Vec4d = double __attribute__((vector_size(32)));
using UnalignedVec4 = float __attribute__((vector_size(16), aligned(4), may_alias));
constexpr int64_t kLanes = 8;

struct DoubleLanes {
  Vec4d low = {};
  Vec4d high = {};
};

// Four floats at any address, as vec_at's eight (a reference: a vector returned by value would
// change the ABI between the clones).
[[gnu::always_inline]] inline const UnalignedVec4& vec4_at(const float* p) {
  return *reinterpret_cast<const UnalignedVec4*>(p);
}

[[gnu::always_inline]] inline double lane_total(const DoubleLanes& lanes) {
  double total = 0.0;
  for (int j = 0; j < 4; ++j) total += lanes.low[j];
  for (int j = 0; j < 4; ++j) total += lanes.high[j];
  return total;
}

// Exponentials computed per pass over the row before being added up (on the stack).
constexpr int64_t kBlock = 512;
static_assert(kBlock % kLanes == 0, "blocks of whole lanes");

[[gnu::always_inline]] inline float row_max(const float* x, int64_t n) {
  Vec8 lanes = {-INFINITY, -INFINITY, -INFINITY, -INFINITY,
                -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  const int64_t whole = n - n % kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    const Vec8 v = vec_at(x + i);
    lanes = lanes > v ? lanes : v;
  }
  float max = lanes[0];
  for (int64_t j = 1; j < kLanes; ++j) max = std::max(max, lanes[j]);
  for (int64_t i = whole; i < n; ++i) max = std::max(max, x[i]);
  return max;
}

// log(sum_i e^x[i]) as max + log(sum_i e^(x[i] - max)). std::exp in double costs a library
// call per logit (~0.35 ms per OPT position on a Zen 3, more than its forward pass); here the
// differences and exponentials are floats on 8 lanes (exp_nonpositive) and the sum is double.
//
// Accuracy: d = x[i] - max is rounded to float (relative error 2^-24, so an error of
// 6e-8 |d| in e^d) and exp_nonpositive is within 2 ulp (2.4e-7), while the double sum adds
// ~1e-16 per term. Weighted by the terms p_i = e^d_i / sum, the sum's relative error, which
// is the result's absolute error, is at most 2.4e-7 + 6e-8 E_p[-d], and E_p[-d] = H - log(sum)
// <= H, the row's entropy in nats (<= log 50257 = 10.8 for OPT). So the NLL is off by less
// than 9e-7 (relative ~2e-7 on NLLs of ~4), and less in practice: the terms' errors have
// either sign. A perplexity printed to 4 decimals near 100 resolves 1e-6 of it.
//
// The lanes see the elements in a fixed order (element i in lane i % 8, blocks in order,
// the last one padded with zeros), so the result depends on the row alone.
[[gnu::target_clones("arch=x86-64-v3", "default")]] double log_sum_exp(const float* x, int64_t n) {
  const float max = row_max(x, n);
  alignas(32) float terms[kBlock];
  DoubleLanes lanes;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t count = std::min(kBlock, n - start);
    const int64_t padded = (count + kLanes - 1) / kLanes * kLanes;
    for (int64_t i = 0; i < count; ++i) terms[i] = cpu::exp_nonpositive(x[start + i] - max);
    for (int64_t i = count; i < padded; ++i) terms[i] = 0.0f;
    for (int64_t i = 0; i < padded; i += kLanes) {
      lanes.low += __builtin_convertvector(vec4_at(terms + i), Vec4d);
      lanes.high += __builtin_convertvector(vec4_at(terms + i + 4), Vec4d);
    }
  }
  return static_cast<double>(max) + std::log(lane_total(lanes));
}

// Double lanes as in log_sum_exp, in the same fixed order (the tail after the lanes).
[[gnu::target_clones("arch=x86-64-v3", "default")]] SquaredNorms row_squared_norms(const float* a,
                                                                                   const float* b,
                                                                                   int64_t n) {
  DoubleLanes difference;
  DoubleLanes reference;
  const int64_t whole = n - n % kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    const Vec4d ref_low = __builtin_convertvector(vec4_at(a + i), Vec4d);
    const Vec4d ref_high = __builtin_convertvector(vec4_at(a + i + 4), Vec4d);
    const Vec4d diff_low = ref_low - __builtin_convertvector(vec4_at(b + i), Vec4d);
    const Vec4d diff_high = ref_high - __builtin_convertvector(vec4_at(b + i + 4), Vec4d);
    reference.low += ref_low * ref_low;
    reference.high += ref_high * ref_high;
    difference.low += diff_low * diff_low;
    difference.high += diff_high * diff_high;
  }
  SquaredNorms norms{lane_total(difference), lane_total(reference)};
  for (int64_t i = whole; i < n; ++i) {
    const double ref = a[i];
    const double diff = ref - static_cast<double>(b[i]);
    norms.reference += ref * ref;
    norms.difference += diff * diff;
  }
  return norms;
}

}  // namespace

double token_nll(std::span<const float> logits, int32_t target) {
  if (target < 0 || static_cast<size_t>(target) >= logits.size()) {
    throw Error(ErrorCode::kInvalidArgument, "perplexity: target id " + std::to_string(target) +
                                                 " is outside the " +
                                                 std::to_string(logits.size()) + " logits");
  }
  const double log_sum = log_sum_exp(logits.data(), static_cast<int64_t>(logits.size()));
  return log_sum - static_cast<double>(logits[static_cast<size_t>(target)]);
}

double NllAccumulator::mean() const {
  if (count_ == 0) {
    throw Error(ErrorCode::kInvalidArgument, "perplexity: no token was scored");
  }
  return total_ / static_cast<double>(count_);
}

double NllAccumulator::perplexity() const {
  return std::exp(mean());
}

SquaredNorms squared_norms(std::span<const float> reference, std::span<const float> other) {
  if (reference.size() != other.size()) {
    throw Error(ErrorCode::kInvalidArgument, "compare: logits rows differ in width (" +
                                                 std::to_string(reference.size()) + " vs " +
                                                 std::to_string(other.size()) + ")");
  }
  return row_squared_norms(reference.data(), other.data(), static_cast<int64_t>(reference.size()));
}

double RelativeError::value() const {
  if (ref_squared_ == 0.0) {
    return diff_squared_ == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  }
  return std::sqrt(diff_squared_ / ref_squared_);
}

}  // namespace qtx::cli
