// The fixed outlier columns of a dynamic int8 Linear (qtx.fbs, LinearAttrs): input columns
// holding weights that dwarf the rest of their row. all-MiniLM-L6-v2's FFN output rows for its
// outlier channel 99 hold a few weights of 4-8 where the row's typical weight is 0.02: an
// absmax int8 scale set by them rounds the rest of the row to 0 or one step. Taking those
// columns out (stored in float, their int8 codes 0) lets the row's scale fit the rest.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::convert {

// Columns j of `weight` (F32 [N, K]) where some row has |w[n, j]| > kWeightOutlierRatio times
// that row's 8th largest |w|, the most extreme first kept, at most K / 64 of them; increasing.
inline constexpr float kWeightOutlierRatio = 3.0f;
std::vector<int32_t> weight_outlier_columns(const Tensor& weight);

// The weight's columns [N, C] and the weight with them set to 0.
Tensor take_columns(Tensor& weight, const std::vector<int32_t>& columns);

}  // namespace qtx::convert
