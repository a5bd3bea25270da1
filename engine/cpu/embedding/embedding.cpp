#include "engine/cpu/embedding/embedding.h"

#include <vector>

namespace qtx::cpu {
namespace {

// Row `row` of the table in float: the float table's row in place, or the int8 row's codes
// times its scale written to `scratch` (exactly what dequantizing the whole table would hold).
const float* table_row(const EmbeddingTable& table, int64_t row, int64_t h, float* scratch) {
  if (table.values) return table.values + row * h;
  const int8_t* codes = table.int8.codes + row * h;
  const float scale = table.int8.scale(row);
  for (int64_t i = 0; i < h; ++i) scratch[i] = static_cast<float>(codes[i]) * scale;
  return scratch;
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
  std::vector<float> word_scratch(static_cast<size_t>(h)), position_scratch(word_scratch),
      type_scratch(word_scratch);
  for (int64_t t = 0; t < tokens; ++t) {
    float* o = out + t * h;
    const float* w = table_row(tables.word, ids[t], h, word_scratch.data());
    const float* p = table_row(tables.position, positions[t], h, position_scratch.data());
    if (tables.token_type.present()) {
      const float* y = table_row(tables.token_type, types ? types[t] : 0, h, type_scratch.data());
      for (int64_t i = 0; i < h; ++i) o[i] = (w[i] + y[i]) + p[i];
    } else {
      for (int64_t i = 0; i < h; ++i) o[i] = w[i] + p[i];
    }
  }
}

}  // namespace qtx::cpu
