// The tables the Embedding op reads (engine/format/qtx.fbs, EmbeddingAttrs), in place from the
// model: float rows, or int8 rows with their scales (an int8 model's tied LM head reads the
// same int8 word table).
#pragma once

#include <cstdint>

#include "engine/kernels/int8_operands.h"

namespace qtx::kernels {

// One table [rows, H]: float rows, or int8 codes with one scale per row or one in all.
struct EmbeddingTable {
  const float* values = nullptr;  // the float table, or nullptr when it is int8
  Int8Weight int8;                // the int8 table, when values is nullptr

  bool present() const { return values != nullptr || int8.codes != nullptr; }
};

struct EmbeddingTables {
  EmbeddingTable word;        // [V, H]
  EmbeddingTable position;    // [P, H]
  EmbeddingTable token_type;  // [T, H], or neither field set when the model has none
  int64_t hidden = 0;
};

}  // namespace qtx::kernels
