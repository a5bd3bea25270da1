#include "engine/cpu/outlier_columns.h"

#include <algorithm>
#include <cmath>

#include "engine/cpu/parallel_for.h"

namespace qtx::cpu {
namespace {

// Columns where some row's |x| exceeds ratio times that row's root mean square.
std::vector<bool> activation_outliers(const float* x, int64_t m, int64_t k, float ratio) {
  std::vector<bool> marked(static_cast<size_t>(k), false);
  for (int64_t r = 0; r < m; ++r) {
    const float* row = x + r * k;
    double squares = 0.0;
    for (int64_t j = 0; j < k; ++j) squares += static_cast<double>(row[j]) * row[j];
    const auto limit = static_cast<float>(ratio * std::sqrt(squares / static_cast<double>(k)));
    for (int64_t j = 0; j < k; ++j) {
      if (std::abs(row[j]) > limit) marked[static_cast<size_t>(j)] = true;
    }
  }
  return marked;
}

// The float weight of each chosen column, transposed: wt[i, n] for column columns[i].
std::vector<float> column_weights(const std::vector<int64_t>& columns, const Int8Weight& w,
                                  const FixedOutliers& fixed) {
  const auto count = static_cast<int64_t>(columns.size());
  const auto fixed_count = static_cast<int64_t>(fixed.columns.size());
  std::vector<float> wt(static_cast<size_t>(count * w.n));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t column = columns[static_cast<size_t>(i)];
    const auto at = std::lower_bound(fixed.columns.begin(), fixed.columns.end(), column);
    const bool is_fixed = at != fixed.columns.end() && *at == column;
    const int64_t f = at - fixed.columns.begin();
    float* out = wt.data() + i * w.n;
    for (int64_t n = 0; n < w.n; ++n) {
      out[n] = is_fixed ? fixed.weight[n * fixed_count + f]
                        : static_cast<float>(w.codes[n * w.k + column]) * w.scale(n);
    }
  }
  return wt;
}

}  // namespace

OutlierSplit split_outliers(const float* x, int64_t m, const Int8Weight& w,
                            const FixedOutliers& fixed, int threads) {
  const int64_t k = w.k, n = w.n;
  std::vector<bool> marked = fixed.ratio > 0.0f ? activation_outliers(x, m, k, fixed.ratio)
                                                : std::vector<bool>(static_cast<size_t>(k), false);
  for (int32_t c : fixed.columns) marked[static_cast<size_t>(c)] = true;
  std::vector<int64_t> columns;
  for (int64_t j = 0; j < k; ++j) {
    if (marked[static_cast<size_t>(j)]) columns.push_back(j);
  }
  OutlierSplit split;
  if (columns.empty()) return split;
  const std::vector<float> wt = column_weights(columns, w, fixed);
  split.inliers.assign(x, x + m * k);
  split.products.resize(static_cast<size_t>(m * n));
  const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(n, 1));
  parallel_for(m, threads, rows_per_task, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* inliers = split.inliers.data() + r * k;
      float* out = split.products.data() + r * n;
      std::fill(out, out + n, 0.0f);
      for (size_t i = 0; i < columns.size(); ++i) {
        const float xv = inliers[columns[i]];
        inliers[columns[i]] = 0.0f;
        const float* wi = wt.data() + static_cast<int64_t>(i) * n;
        for (int64_t c = 0; c < n; ++c) out[c] += xv * wi[c];
      }
    }
  });
  return split;
}

}  // namespace qtx::cpu
