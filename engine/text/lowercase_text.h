// sentence-transformers' do_lower_case: the whole text lowercased before the tokenizer sees it
// (Python's str.lower(), the full Unicode lowercase mapping), special-token spellings included.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/text/tokenizer.h"

namespace qtx::text {

// Throws qtx::Error(kInvalidArgument) for text that is not valid UTF-8.
std::string lowercase_text(std::string_view text);

// A tokenizer that lowercases every text before `inner` encodes it; all else is inner's.
std::unique_ptr<Tokenizer> lowercasing(std::unique_ptr<Tokenizer> inner);

}  // namespace qtx::text
