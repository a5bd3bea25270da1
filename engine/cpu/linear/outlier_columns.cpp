#include "engine/cpu/linear/outlier_columns.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/cpu/common/parallel_for.h"

namespace qtx::cpu {
namespace {

// At most this share of a row's columns go to float for its activations (the most extreme
// first): a handful of outlier channels is what LLM.int8() finds, and the float products must
// stay a small part of the Linear (on all-MiniLM-L6-v2, K / 64 instead cost 10% more time for
// the same cosine).
int64_t activation_budget(int64_t k) {
  return std::max<int64_t>(1, k / 256);
}

struct RowStats {
  float sum_of_squares = 0.0f;
  float max_magnitude = 0.0f;
};

// One pass over a row in eight lanes (cloned for AVX2): the threshold needs no more precision
// than float's, and a row whose largest |x| stays under it (most rows) is done.
[[gnu::target_clones("arch=x86-64-v3", "default")]] RowStats row_stats(const float* row,
                                                                       int64_t k) {
  constexpr int64_t kLanes = 8;
  float squares[kLanes] = {};
  float peaks[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= k; j += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) {
      squares[l] += row[j + l] * row[j + l];
      peaks[l] = std::max(peaks[l], std::abs(row[j + l]));
    }
  }
  RowStats stats;
  for (; j < k; ++j) {
    stats.sum_of_squares += row[j] * row[j];
    stats.max_magnitude = std::max(stats.max_magnitude, std::abs(row[j]));
  }
  for (int64_t l = 0; l < kLanes; ++l) {
    stats.sum_of_squares += squares[l];
    stats.max_magnitude = std::max(stats.max_magnitude, peaks[l]);
  }
  return stats;
}

// Appends (|x|, j) for every |row[j]| > limit. Outliers are rare: blocks of 32 whose peak stays
// under the limit are passed over after one vectorised peak (cloned for AVX2).
[[gnu::target_clones("arch=x86-64-v3", "default")]] void find_outliers(
    const float* row, int64_t k, float limit, std::vector<std::pair<float, int32_t>>& out) {
  constexpr int64_t kBlock = 32;
  int64_t j = 0;
  for (; j + kBlock <= k; j += kBlock) {
    float peaks[8] = {};
    for (int64_t i = 0; i < kBlock; i += 8) {
      for (int64_t l = 0; l < 8; ++l) peaks[l] = std::max(peaks[l], std::abs(row[j + i + l]));
    }
    float peak = 0.0f;
    for (float p : peaks) peak = std::max(peak, p);
    if (!(peak > limit)) continue;
    for (int64_t i = j; i < j + kBlock; ++i) {
      if (std::abs(row[i]) > limit) out.emplace_back(std::abs(row[i]), static_cast<int32_t>(i));
    }
  }
  for (; j < k; ++j) {
    if (std::abs(row[j]) > limit) out.emplace_back(std::abs(row[j]), static_cast<int32_t>(j));
  }
}

// out[c] += a * w[c] (cloned for AVX2).
[[gnu::target_clones("arch=x86-64-v3", "default")]] void add_scaled(float* out, const float* w,
                                                                    float a, int64_t n) {
  for (int64_t c = 0; c < n; ++c) out[c] += a * w[c];
}

// Row r's float columns, increasing: the fixed ones, and its own activation outliers
// (|x| > ratio * rms(row), the largest `budget` of them). They depend on the row alone, so a
// row's result does not depend on the rows batched with it.
std::vector<int32_t> row_columns(const float* row, int64_t k, const FixedOutliers& fixed) {
  std::vector<int32_t> columns(fixed.columns.begin(), fixed.columns.end());
  const RowStats stats = fixed.ratio > 0.0f ? row_stats(row, k) : RowStats{};
  const float limit = fixed.ratio * std::sqrt(stats.sum_of_squares / static_cast<float>(k));
  if (fixed.ratio > 0.0f && stats.max_magnitude > limit) {
    std::vector<std::pair<float, int32_t>> outliers;
    find_outliers(row, k, limit, outliers);
    const auto budget = static_cast<size_t>(activation_budget(k));
    if (outliers.size() > budget) {
      std::partial_sort(outliers.begin(), outliers.begin() + static_cast<std::ptrdiff_t>(budget),
                        outliers.end(), std::greater<>());
      outliers.resize(budget);
    }
    for (const auto& outlier : outliers) columns.push_back(outlier.second);
  }
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  return columns;
}

// The float weight of each column of `used`, transposed: wt[slot[j], n] for column j.
void column_weights(const std::vector<int32_t>& used, const Int8Weight& w,
                    const FixedOutliers& fixed, int threads, float* wt) {
  const auto fixed_count = static_cast<int64_t>(fixed.columns.size());
  parallel_for(static_cast<int64_t>(used.size()), threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int32_t column = used[static_cast<size_t>(i)];
      const auto at = std::lower_bound(fixed.columns.begin(), fixed.columns.end(), column);
      const bool is_fixed = at != fixed.columns.end() && *at == column;
      const int64_t f = at - fixed.columns.begin();
      float* out = wt + i * w.n;
      for (int64_t n = 0; n < w.n; ++n) {
        out[n] = is_fixed ? fixed.weight[n * fixed_count + f]
                          : static_cast<float>(w.codes[n * w.k + column]) * w.scale(n);
      }
    }
  });
}

}  // namespace

OutlierRows::OutlierRows(const float* x, int64_t m, const Int8Weight& w, const FixedOutliers& fixed,
                         int threads)
    : x_(x), k_(w.k), n_(w.n) {
  if (fixed.columns.empty() && !(fixed.ratio > 0.0f)) return;
  std::vector<std::vector<int32_t>> per_row(static_cast<size_t>(m));
  parallel_for(m, threads, std::max<int64_t>(1, (int64_t{1} << 14) / k_),
               [&](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   per_row[static_cast<size_t>(r)] = row_columns(x + r * k_, k_, fixed);
                 }
               });
  slot_.assign(static_cast<size_t>(k_), -1);
  offsets_.reserve(static_cast<size_t>(m) + 1);
  offsets_.push_back(0);
  for (const auto& row : per_row) {
    columns_.insert(columns_.end(), row.begin(), row.end());
    offsets_.push_back(static_cast<int64_t>(columns_.size()));
    for (int32_t j : row) slot_[static_cast<size_t>(j)] = 0;
  }
  if (columns_.empty()) return;
  std::vector<int32_t> used;
  for (int64_t j = 0; j < k_; ++j) {
    if (slot_[static_cast<size_t>(j)] < 0) continue;
    slot_[static_cast<size_t>(j)] = static_cast<int32_t>(used.size());
    used.push_back(static_cast<int32_t>(j));
  }
  weights_ = Tensor::uninitialized(DType::F32, {static_cast<int64_t>(used.size()), n_});
  column_weights(used, w, fixed, threads, weights_.data<float>());
}

void OutlierRows::add_products(int64_t r, float* yr) const {
  const float* row = x_ + r * k_;
  for (int32_t j : this->row(r)) {
    add_scaled(yr, weights_.data<float>() + slot_[static_cast<size_t>(j)] * n_, row[j], n_);
  }
}

}  // namespace qtx::cpu
