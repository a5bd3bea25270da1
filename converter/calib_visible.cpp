#include "converter/calib_visible.h"

#include <string>

#include "qtx/error.h"

namespace qtx::convert {
namespace {

bool is_real(const BatchMask& mask, int64_t b, int64_t t) {
  return mask.values[b * mask.tokens + t] != 0;
}

[[noreturn]] void mismatch(std::string_view what, const Tensor& value, const BatchMask& mask) {
  throw Error(ErrorCode::kInternal, "calibration: observed " + std::string(what) + " of shape " +
                                        shape_string(value.shape()) + " does not fit a batch of " +
                                        std::to_string(mask.batch) + " x " +
                                        std::to_string(mask.tokens) + " tokens");
}

std::vector<float> real_token_rows(const Tensor& value, const BatchMask& mask) {
  if (value.dim(0) != mask.batch || value.dim(1) != mask.tokens) mismatch("output", value, mask);
  const int64_t width = value.dim(2);
  const float* data = value.data<float>();
  std::vector<float> kept;
  kept.reserve(static_cast<size_t>(value.numel()));
  for (int64_t b = 0; b < mask.batch; ++b) {
    for (int64_t t = 0; t < mask.tokens; ++t) {
      if (!is_real(mask, b, t)) continue;
      const float* row = data + (b * mask.tokens + t) * width;
      kept.insert(kept.end(), row, row + width);
    }
  }
  return kept;
}

std::vector<float> seen_attention_entries(const Tensor& value, std::string_view what,
                                          const BatchMask& mask, bool causal) {
  const int64_t s = mask.tokens;
  if (value.rank() != 4 || value.dim(0) != mask.batch || value.dim(2) != s || value.dim(3) != s) {
    mismatch(what, value, mask);
  }
  const int64_t heads = value.dim(1);
  const float* data = value.data<float>();
  std::vector<float> kept;
  kept.reserve(static_cast<size_t>(value.numel()));
  for (int64_t b = 0; b < mask.batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < s; ++i) {
        if (!is_real(mask, b, i)) continue;
        const float* row = data + ((b * heads + h) * s + i) * s;
        const int64_t keys = causal ? i + 1 : s;
        for (int64_t t = 0; t < keys; ++t) {
          if (is_real(mask, b, t)) kept.push_back(row[t]);
        }
      }
    }
  }
  return kept;
}

}  // namespace

std::vector<float> visible_values(const Tensor& value, std::string_view what, const BatchMask& mask,
                                  bool causal) {
  if (what == "scores" || what == "probs") {
    return seen_attention_entries(value, what, mask, causal);
  }
  if (value.rank() == 3) return real_token_rows(value, mask);
  const float* data = value.data<float>();
  return {data, data + value.numel()};
}

}  // namespace qtx::convert
