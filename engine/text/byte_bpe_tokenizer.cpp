// GPT-2's byte-level BPE tokenizer: special tokens matched whole, GPT-2 pre-tokenization,
// each piece's UTF-8 bytes as byte symbols, merges by rank; decoding maps tokens back to
// bytes and repairs invalid UTF-8 as Hugging Face's ByteLevel decoder does.
#include <array>
#include <string>
#include <utility>

#include "engine/text/bpe_merges.h"
#include "engine/text/byte_level.h"
#include "engine/text/gpt2_pre_tokenizer.h"
#include "engine/text/lowercase_text.h"
#include "engine/text/special_tokens.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"
#include "engine/text/vocabulary.h"
#include "qtx/error.h"

namespace qtx::text {
namespace {

// The vocabulary id of every single-byte token; a byte-level vocabulary must have all 256.
std::array<int32_t, 256> byte_token_ids(const Vocabulary& vocab) {
  std::array<int32_t, 256> ids{};
  for (unsigned b = 0; b < 256; ++b) {
    std::string token;
    utf8::append(byte_level::byte_to_char()[b], token);
    ids[b] = vocab.find(token);
    if (ids[b] < 0) {
      throw Error(ErrorCode::kInvalidArgument, "byte-level BPE vocabulary has no token for byte " +
                                                   std::to_string(b) + " ('" + token + "')");
    }
  }
  return ids;
}

// A token's bytes: each character mapped back to its byte; a token with a character outside
// the byte alphabet (an added token) is taken as its own UTF-8, as Hugging Face does.
void append_token_bytes(const std::string& token, std::string& bytes) {
  std::string mapped;
  for (char32_t c : utf8::decode(token)) {
    const auto byte = byte_level::char_to_byte(c);
    if (!byte) {
      bytes += token;
      return;
    }
    mapped.push_back(static_cast<char>(*byte));
  }
  bytes += mapped;
}

class ByteBpeTokenizer final : public Tokenizer {
 public:
  ByteBpeTokenizer(std::vector<std::string> vocab, const std::vector<std::string>& merges,
                   std::vector<int32_t> special, SpecialIds ids, BpeOptions options)
      : vocab_(std::move(vocab)),
        special_(vocab_, special, ids),
        merges_(vocab_, merges),
        byte_ids_(byte_token_ids(vocab_)),
        ids_(ids),
        options_(options) {
    if (options_.add_bos && ids_.bos < 0) {
      throw Error(ErrorCode::kInvalidArgument, "BPE tokenizer adds BOS but has no BOS id");
    }
  }

  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (const TextSegment& segment : special_.split(text)) {
      if (segment.special_id >= 0) {
        ids.push_back(segment.special_id);
        continue;
      }
      std::u32string chars = utf8::decode(segment.text);
      if (options_.lowercase_first) chars = lowercase_text(chars);
      if (options_.add_prefix_space && !chars.empty() && chars.front() != U' ')
        chars.insert(chars.begin(), U' ');
      for (std::u32string_view piece : split_gpt2(chars)) append_piece(piece, ids);
    }
    return ids;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special) const override {
    std::string bytes;
    for (int32_t id : ids) {
      const std::string& token = vocab_.token(id);
      if (skip_special && special_.contains(id)) continue;
      append_token_bytes(token, bytes);
    }
    return utf8::repair_lossy(bytes);
  }

  std::vector<int32_t> frame(std::span<const int32_t> body) const override {
    std::vector<int32_t> ids;
    if (options_.add_bos) ids.push_back(ids_.bos);
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
  }

  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& token(int32_t id) const override { return vocab_.token(id); }
  const SpecialIds& special_ids() const override { return ids_; }

 private:
  void append_piece(std::u32string_view piece, std::vector<int32_t>& ids) const {
    std::vector<int32_t> word;
    std::string bytes;
    for (char32_t c : piece) utf8::append(c, bytes);
    word.reserve(bytes.size());
    for (char byte : bytes) word.push_back(byte_ids_[static_cast<unsigned char>(byte)]);
    merges_.apply(word);
    ids.insert(ids.end(), word.begin(), word.end());
  }

  Vocabulary vocab_;
  SpecialTokens special_;
  BpeMerges merges_;
  std::array<int32_t, 256> byte_ids_;
  SpecialIds ids_;
  BpeOptions options_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_byte_bpe(std::vector<std::string> vocab,
                                         std::vector<std::string> merges,
                                         std::vector<int32_t> special_tokens, SpecialIds ids,
                                         BpeOptions options) {
  return std::make_unique<ByteBpeTokenizer>(std::move(vocab), merges, std::move(special_tokens),
                                            ids, options);
}

}  // namespace qtx::text
