#include "converter/weight_outliers.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace qtx::convert {
namespace {

// The 8th largest magnitude of a row: its scale once a few outliers are set aside.
constexpr int64_t kRank = 8;

float typical_magnitude(const float* row, int64_t k) {
  std::vector<float> magnitudes(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) magnitudes[static_cast<size_t>(j)] = std::abs(row[j]);
  std::nth_element(magnitudes.begin(), magnitudes.begin() + (kRank - 1), magnitudes.end(),
                   std::greater<float>());
  return magnitudes[kRank - 1];
}

}  // namespace

std::vector<int32_t> weight_outlier_columns(const Tensor& weight) {
  const int64_t n = weight.dim(0), k = weight.dim(1);
  const int64_t budget = k / 64;
  if (budget == 0 || k < 2 * kRank) return {};
  // The largest ratio |w| / typical seen in each column.
  std::vector<float> worst(static_cast<size_t>(k), 0.0f);
  const float* w = weight.data<float>();
  for (int64_t r = 0; r < n; ++r) {
    const float* row = w + r * k;
    const float typical = typical_magnitude(row, k);
    if (!(typical > 0.0f)) continue;
    for (int64_t j = 0; j < k; ++j) {
      worst[static_cast<size_t>(j)] =
          std::max(worst[static_cast<size_t>(j)], std::abs(row[j]) / typical);
    }
  }
  std::vector<std::pair<float, int32_t>> candidates;
  for (int64_t j = 0; j < k; ++j) {
    if (worst[static_cast<size_t>(j)] > kWeightOutlierRatio) {
      candidates.emplace_back(worst[static_cast<size_t>(j)], static_cast<int32_t>(j));
    }
  }
  std::sort(candidates.begin(), candidates.end(), std::greater<>());
  if (static_cast<int64_t>(candidates.size()) > budget)
    candidates.resize(static_cast<size_t>(budget));
  std::vector<int32_t> columns;
  for (const auto& candidate : candidates) columns.push_back(candidate.second);
  std::sort(columns.begin(), columns.end());
  return columns;
}

Tensor take_columns(Tensor& weight, const std::vector<int32_t>& columns) {
  const int64_t n = weight.dim(0), k = weight.dim(1);
  const auto c = static_cast<int64_t>(columns.size());
  Tensor taken(DType::F32, {n, c});
  float* w = weight.data<float>();
  float* out = taken.data<float>();
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = 0; i < c; ++i) {
      out[r * c + i] = w[r * k + columns[static_cast<size_t>(i)]];
      w[r * k + columns[static_cast<size_t>(i)]] = 0.0f;
    }
  }
  return taken;
}

}  // namespace qtx::convert
