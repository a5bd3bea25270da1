// Embedding op: token ids [B, S] and attention mask [B, past + S] -> [B, S, H] from the word,
// position and (optional) token-type tables. Ids outside the vocabulary and positions past
// the table are the caller's errors (kInvalidArgument) naming the id and the limit.
// Every table is float32, or int8 codes with symmetric scales (one per row, or one for the whole
// table): the word table as the LM head's int8 weight, which the Embedding shares instead of a
// float copy, and the position and token-type tables as a quantized file stores them.
#pragma once

#include "engine/ops/op_context.h"

namespace qtx::ops {

struct EmbeddingInputs {
  const Tensor& ids;             // I32 [B, S]
  const Tensor& mask;            // I32 [B, T], T = past + S
  const Tensor& word;            // F32 or I8 [V, H]
  const Tensor& position;        // F32 or I8 [P, H]
  const Tensor* token_type;      // F32 or I8 [types, H], or nullptr
  const Tensor* token_type_ids;  // I32 [B, S] or nullptr
  // The scales of the I8 tables (unused for float ones).
  const fb::QuantParamsT* word_quant = nullptr;
  const fb::QuantParamsT* position_quant = nullptr;
  const fb::QuantParamsT* token_type_quant = nullptr;
};

Tensor embedding(const OpContext& ctx, const fb::EmbeddingAttrsT& attrs, const EmbeddingInputs& in);

}  // namespace qtx::ops
