// Reads the tokenizer files of a Hugging Face checkpoint into the tokenizer table of a .qtx
// file: vocab.txt (WordPiece, BERT) or vocab.json + merges.txt (byte-level BPE, GPT-2/OPT),
// with tokenizer_config.json and special_tokens_map.json when present (do_lower_case,
// strip_accents, tokenize_chinese_chars, add_prefix_space, add_bos_token, the special tokens
// and added_tokens_decoder).
#pragma once

#include <filesystem>
#include <memory>

#include "qtx_generated.h"

namespace qtx::convert {

// Throws qtx::Error naming the file: kInvalidFile for missing or malformed tokenizer files, a
// special token that is not in the vocabulary, duplicate or out-of-range ids; kIo when a file
// cannot be read.
std::unique_ptr<fb::TokenizerT> read_tokenizer(const std::filesystem::path& checkpoint_dir);

}  // namespace qtx::convert
