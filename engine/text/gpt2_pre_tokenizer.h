// GPT-2's pre-tokenization, written out by hand instead of through a regex engine:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matched leftmost, first alternative first, each quantifier greedy (as Oniguruma, which
// Hugging Face's ByteLevel pre-tokenizer uses). \s is the White_Space property.
#pragma once

#include <string_view>
#include <vector>

namespace qtx::text {

// The pieces cover the text exactly, in order.
std::vector<std::u32string_view> split_gpt2(std::u32string_view text);

}  // namespace qtx::text
