// BERT's text normalization, as Hugging Face's BertNormalizer applies it, in this order:
// clean the text (drop NUL, U+FFFD and control/format characters; whitespace to a space),
// pad CJK ideographs with spaces, strip accents (NFD, then drop nonspacing marks), lowercase.
#pragma once

#include <string>
#include <string_view>

#include "engine/text/tokenizer.h"

namespace qtx::text {

std::u32string normalize_bert(std::u32string_view text, const WordPieceOptions& options);

}  // namespace qtx::text
