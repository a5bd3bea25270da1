// Embedding lookups: word[id] (+ token_type[type]) + position[pos], summed in that order as
// Hugging Face BERT and OPT do. Ids and positions are checked by the op (engine/ops) first.
// Each table is float or int8 (the word table an int8 LM head shares, and the int8 position
// and token-type tables of a quantized file): int8 tables are read in place, each looked-up row
// dequantized on the fly (code * scale), never the whole table.
#pragma once

#include <cstdint>

#include "engine/cpu/linear/int8_linear.h"
#include "engine/kernels/embedding_tables.h"
#include "qtx_generated.h"

namespace qtx::cpu {

// Position of each of the S new tokens of each sequence: [B, S].
// Arange: past + s. FromMask (OPT): cumsum(mask)[t] * mask[t] - 1 for the last S columns of
// the [B, T] mask (T = past + S), so left padding does not shift positions; `offset` is added.
void embedding_positions(fb::PositionMode mode, const int32_t* mask, int64_t batch, int64_t total,
                         int64_t seq, int64_t offset, int64_t* positions);

// The contract's embedding tables, used unqualified by the CPU kernels.
using kernels::EmbeddingTable;
using kernels::EmbeddingTables;

// out[b, s] = word[ids] (+ token_type[types or 0]) + position[positions]; out: [B*S, H].
// types: [B*S] or nullptr (type 0 for every token when the table is present).
void embedding_lookup(const EmbeddingTables& tables, const int32_t* ids, const int32_t* types,
                      const int64_t* positions, int64_t tokens, float* out);

}  // namespace qtx::cpu
