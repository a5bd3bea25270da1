// The text side of `qtx eval`: a model file's tokenizer without the model's framing, and a
// text file turned into one token stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/text/tokenizer.h"

namespace qtx::cli {

// The tokenizer embedded in a .qtx file (loaded and verified like the model itself).
std::unique_ptr<text::Tokenizer> load_tokenizer(const std::string& qtx_path);

// The whole file tokenized at once, newlines included, with no framing: what the windows of
// eval are cut from. Throws qtx::Error: kIo when unreadable, kInvalidArgument when larger
// than 1 GiB or when it has no tokens.
std::vector<int32_t> read_token_stream(const std::string& path, const text::Tokenizer& tokenizer);

// Throws qtx::Error(kInvalidArgument) naming both files unless the two tokenizers have the
// same vocabulary (same size, same token at every id): masks and targets must mean the same.
void require_same_vocabulary(const text::Tokenizer& a, const std::string& a_name,
                             const text::Tokenizer& b, const std::string& b_name);

}  // namespace qtx::cli
