#include "engine/text/tokenizer_factory.h"

#include "qtx/error.h"

namespace qtx::text {
namespace {

SpecialIds special_ids_of(const fb::TokenizerT& table) {
  SpecialIds ids;
  ids.unk = table.unk_id;
  ids.cls = table.cls_id;
  ids.sep = table.sep_id;
  ids.pad = table.pad_id;
  ids.mask = table.mask_id;
  ids.bos = table.bos_id;
  ids.eos = table.eos_id;
  return ids;
}

// sentence-transformers adds its Lowercase normalizer only where the tokenizer does not
// lowercase already.
WordPieceOptions wordpiece_options_of(const fb::WordPieceT& model, bool lowercase_text) {
  WordPieceOptions options;
  options.lowercase = model.lowercase;
  options.lowercase_first = lowercase_text && !model.lowercase;
  options.strip_accents = model.strip_accents;
  options.tokenize_chinese_chars = model.tokenize_chinese_chars;
  options.max_input_chars_per_word = model.max_input_chars_per_word;
  // An absent prefix is BERT's "##" (the schema field has no default of its own).
  if (!model.continuing_subword_prefix.empty()) {
    options.continuing_subword_prefix = model.continuing_subword_prefix;
  }
  return options;
}

BpeOptions bpe_options_of(const fb::BytePairEncodingT& model, bool lowercase_text) {
  BpeOptions options;
  options.lowercase_first = lowercase_text;
  options.add_prefix_space = model.add_prefix_space;
  options.add_bos = model.add_bos;
  return options;
}

std::unique_ptr<Tokenizer> build(const fb::TokenizerT& table) {
  const SpecialIds ids = special_ids_of(table);
  if (const auto* wordpiece = table.model.AsWordPiece()) {
    return make_wordpiece(table.vocab, table.special_tokens, ids,
                          wordpiece_options_of(*wordpiece, table.lowercase_text));
  }
  if (const auto* bpe = table.model.AsBytePairEncoding()) {
    return make_byte_bpe(table.vocab, bpe->merges, table.special_tokens, ids,
                         bpe_options_of(*bpe, table.lowercase_text));
  }
  throw Error(ErrorCode::kInvalidFile, "tokenizer has no model (WordPiece or BytePairEncoding)");
}

}  // namespace

std::unique_ptr<Tokenizer> make_tokenizer(const fb::TokenizerT& table) {
  try {
    return build(table);
  } catch (const Error& error) {
    // The tables come from a file: an inconsistency is the file's fault.
    throw Error(ErrorCode::kInvalidFile, std::string("tokenizer in model file: ") + error.what());
  }
}

}  // namespace qtx::text
