// Builds the runtime tokenizer from the tokenizer table of a .qtx file (object API).
#pragma once

#include <memory>

#include "engine/text/tokenizer.h"
#include "qtx_generated.h"

namespace qtx::text {

// Throws qtx::Error(kInvalidFile) when the table is inconsistent (ids outside the vocabulary,
// malformed merges, a missing model).
std::unique_ptr<Tokenizer> make_tokenizer(const fb::TokenizerT& table);

}  // namespace qtx::text
