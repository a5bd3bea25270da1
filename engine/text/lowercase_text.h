// sentence-transformers' do_lower_case: a Lowercase normalizer in front of the tokenizer's own
// (sentence-transformers 3+), so text is lowercased (the full Unicode mapping, final sigma
// included, as Rust's str::to_lowercase) while special-token spellings, matched in the raw text
// first, are not.
#pragma once

#include <string>
#include <string_view>

namespace qtx::text {

// The lowercase of decoded text (code points in, code points out).
std::u32string lowercase_text(std::u32string_view text);

}  // namespace qtx::text
