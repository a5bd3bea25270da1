// The text side of `qtx eval`: a text file turned into one token stream by a model's tokenizer
// without the model's framing, and the check that two models read tokens alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qtx/qtx.h"

namespace qtx::cli {

// The whole file tokenized at once, newlines included, with no framing: what the windows of
// eval are cut from. Throws qtx::Error: kIo when unreadable, kInvalidArgument when larger
// than 1 GiB or when it has no tokens.
std::vector<int32_t> read_token_stream(const std::string& path, const Model& model);

// Throws qtx::Error(kInvalidArgument) naming both files unless the two tokenizers have the
// same vocabulary (same size, same token at every id): masks and targets must mean the same.
void require_same_vocabulary(const Model& a, const Model& b);

}  // namespace qtx::cli
