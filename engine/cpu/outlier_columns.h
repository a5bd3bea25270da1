// LLM.int8()-style decomposition of a dynamic int8 Linear (qtx.fbs, LinearAttrs): the input
// columns that would wreck a per-token int8 grid are taken out of it and multiplied in float.
// Two kinds of column go to float: the file's fixed outlier columns (chosen by the converter
// where a few weights dwarf the rest of their row; their float weights [N, C] are stored and
// their int8 weight codes are 0) and, per call, every column where some row has
// |x| > ratio * rms(row) (an activation outlier, e.g. all-MiniLM-L6-v2's channel 99 at ~20x
// the rest of its [CLS] row after LayerNorm), multiplied by its dequantized int8 weight. The
// rest of x is quantized as usual, with the float columns at 0 (which every per-token grid
// represents exactly), and the float products join the int8 result before the bias:
//   y = (float(acc) * sx * sw + b) + (sum_j x[r, j] * wf[n, j], ascending j), then act.
// Reference and CPU backends run this same code, so they stay bit-exact.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/cpu/int8_linear.h"

namespace qtx::cpu {

// The file's part: fixed columns (strictly increasing, in [0, k)) and their float weights.
struct FixedOutliers {
  std::span<const int32_t> columns;
  const float* weight = nullptr;  // [n, columns.size()]
  float ratio = 0.0f;             // > 0: also the per-call activation outlier columns
};

struct OutlierSplit {
  std::vector<float> inliers;   // x [m, k] with the float columns at 0; empty: none
  std::vector<float> products;  // [m, n] the float columns' products
};

// Splits x [m, k] for the int8 weight w (k = w.k). Empty when no column goes to float.
OutlierSplit split_outliers(const float* x, int64_t m, const Int8Weight& w,
                            const FixedOutliers& fixed, int threads);

}  // namespace qtx::cpu
