// LLM.int8()-style decomposition of a dynamic int8 Linear (qtx.fbs, LinearAttrs): the input
// columns that would wreck a row's per-token int8 grid are taken out of it and multiplied in
// float. Two kinds of column go to float: the file's fixed outlier columns (chosen by the
// converter where a few weights dwarf the rest of their row; their float weights [N, C] are
// stored and their int8 weight codes are 0) and, per row, the row's own activation outliers:
// entries with |x| > ratio * rms(row), the largest max(1, K / 256) of them (e.g.
// all-MiniLM-L6-v2's channel 99 at ~20x the rest of its [CLS] row after LayerNorm), multiplied
// by their dequantized int8 weights. The row's grid and codes are those of the row with its
// float columns at 0 (which every per-token grid represents exactly, so they add nothing to the
// integer sums), and the epilogue adds the float products to the dequantized row:
//   y = float(acc) * sx * sw + b, then y += x[r, j] * wf[n, j] for each float column j in
//   ascending order, then the activation and the output's fake quantization.
// Everything about a row depends on that row alone: batching does not change its result. The
// reference and CPU backends share this code (and int8_linear.h's epilogue), so they stay
// bit-exact.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/cpu/linear/int8_linear.h"
#include "engine/graph/tensor.h"

namespace qtx::cpu {

// The file's part: fixed columns (strictly increasing, in [0, k)) and their float weights.
struct FixedOutliers {
  std::span<const int32_t> columns;
  const float* weight = nullptr;  // [n, columns.size()]
  float ratio = 0.0f;             // > 0: each row's activation outliers too
};

// The float columns of every row of one call, with their float weights.
class OutlierRows {
 public:
  OutlierRows() = default;
  // x [m, w.k] stays referenced: it must outlive this object.
  OutlierRows(const float* x, int64_t m, const Int8Weight& w, const FixedOutliers& fixed,
              int threads);

  bool empty() const { return columns_.empty(); }
  // Row r's float columns, increasing.
  std::span<const int32_t> row(int64_t r) const {
    const auto begin = static_cast<size_t>(offsets_[static_cast<size_t>(r)]);
    const auto end = static_cast<size_t>(offsets_[static_cast<size_t>(r) + 1]);
    return std::span<const int32_t>(columns_).subspan(begin, end - begin);
  }
  // yr[c] += x[r, j] * wf[j, c] for row r's float columns j, ascending.
  void add_products(int64_t r, float* yr) const;

 private:
  const float* x_ = nullptr;
  int64_t k_ = 0, n_ = 0;
  std::vector<int64_t> offsets_;  // [m + 1] into columns_
  std::vector<int32_t> columns_;
  std::vector<int32_t> slot_;  // [k]: the row of weights_ holding column j's weights
  Tensor weights_;             // [columns used by any row, n]
};

}  // namespace qtx::cpu
