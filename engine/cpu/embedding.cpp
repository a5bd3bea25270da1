#include "engine/cpu/embedding.h"

namespace qtx::cpu {

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
    const float* w = tables.word + ids[t] * h;
    const float* p = tables.position + positions[t] * h;
    if (tables.token_type) {
      const float* y = tables.token_type + (types ? types[t] : 0) * h;
      for (int64_t i = 0; i < h; ++i) o[i] = (w[i] + y[i]) + p[i];
    } else {
      for (int64_t i = 0; i < h; ++i) o[i] = w[i] + p[i];
    }
  }
}

}  // namespace qtx::cpu
