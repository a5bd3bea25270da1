#include "engine/cpu/embedding.h"

#include <cstring>

namespace qtx::cpu {
namespace {

// The word row of token `id` in float: the float table's row, or the int8 row's codes times
// its scale (exactly what dequantizing the whole table would hold).
void word_row(const EmbeddingTables& tables, int32_t id, float* out) {
  const int64_t h = tables.hidden;
  if (tables.word) {
    std::memcpy(out, tables.word + id * h, static_cast<size_t>(h) * sizeof(float));
    return;
  }
  const Int8Weight& w = tables.word_int8;
  const int8_t* codes = w.codes + id * h;
  const float scale = w.per_channel ? w.scales[id] : w.scales[0];
  for (int64_t i = 0; i < h; ++i) out[i] = static_cast<float>(codes[i]) * scale;
}

}  // namespace

void embedding_positions(fb::PositionMode mode, const int32_t* mask, int64_t batch, int64_t total,
                         int64_t seq, int64_t offset, int64_t* positions) {
  const int64_t past = total - seq;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t* pos = positions + b * seq;
    if (mode == fb::PositionMode::Arange) {
      for (int64_t s = 0; s < seq; ++s) pos[s] = past + s + offset;
      continue;
    }
    const int32_t* m = mask + b * total;
    int64_t count = 0;
    for (int64_t t = 0; t < total; ++t) {
      count += m[t];
      if (t >= past) pos[t - past] = count * m[t] - 1 + offset;
    }
  }
}

void embedding_lookup(const EmbeddingTables& tables, const int32_t* ids, const int32_t* types,
                      const int64_t* positions, int64_t tokens, float* out) {
  const int64_t h = tables.hidden;
  for (int64_t t = 0; t < tokens; ++t) {
    float* o = out + t * h;
    word_row(tables, ids[t], o);
    const float* p = tables.position + positions[t] * h;
    if (tables.token_type) {
      const float* y = tables.token_type + (types ? types[t] : 0) * h;
      for (int64_t i = 0; i < h; ++i) o[i] = (o[i] + y[i]) + p[i];
    } else {
      for (int64_t i = 0; i < h; ++i) o[i] += p[i];
    }
  }
}

}  // namespace qtx::cpu
