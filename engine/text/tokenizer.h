// Tokenizers, embedded in every .qtx file so that a model file is all a user needs. They
// produce exactly the ids of Hugging Face's tokenizers (BertTokenizer, GPT2Tokenizer).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qtx/qtx.h"

namespace qtx::text {

// Special-token ids of a vocabulary (the public qtx::SpecialTokens).
using SpecialIds = SpecialTokens;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Text to ids WITHOUT the model's framing ([CLS] .. [SEP] or BOS): special tokens written in
  // the text ("[MASK]", "<|endoftext|>") are matched whole and map to their ids.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  // Ids to text as Hugging Face's decode does (skip_special drops special tokens).
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special) const = 0;
  // The model's framing around a text's ids (BERT: [CLS] x [SEP]; OPT: BOS x).
  virtual std::vector<int32_t> frame(std::span<const int32_t> body) const = 0;
  // The model's input for one text: encode, then frame.
  std::vector<int32_t> encode_for_model(std::string_view text) const;
  // The same, cut to at most max_tokens ids with the framing kept: the text's ids are cut at
  // their end, as Hugging Face's (and sentence-transformers') truncation does. A limit that
  // leaves no room for the framing is kInvalidArgument.
  std::vector<int32_t> encode_for_model(std::string_view text, size_t max_tokens) const;

  virtual size_t vocab_size() const = 0;
  virtual const std::string& token(int32_t id) const = 0;  // throws for an out-of-range id
  virtual const SpecialIds& special_ids() const = 0;
};

struct WordPieceOptions {
  bool lowercase = true;
  bool strip_accents = true;  // HF: strip_accents=None follows lowercase
  bool tokenize_chinese_chars = true;
  int max_input_chars_per_word = 100;
  std::string continuing_subword_prefix = "##";
  // Text between special tokens lowercased before the BERT normalizer (lowercase_text.h).
  bool lowercase_first = false;
};

std::unique_ptr<Tokenizer> make_wordpiece(std::vector<std::string> vocab,
                                          std::vector<int32_t> special_tokens, SpecialIds ids,
                                          WordPieceOptions options);

struct BpeOptions {
  bool add_prefix_space = false;
  bool add_bos = false;  // encode_for_model starts with BOS (tokenizer_config's add_bos_token)
  bool lowercase_first = false;  // text between special tokens lowercased (lowercase_text.h)
};

// vocab: index = id, tokens in GPT-2's byte-to-unicode alphabet; merges: "left right" by rank.
std::unique_ptr<Tokenizer> make_byte_bpe(std::vector<std::string> vocab,
                                         std::vector<std::string> merges,
                                         std::vector<int32_t> special_tokens, SpecialIds ids,
                                         BpeOptions options);

}  // namespace qtx::text
