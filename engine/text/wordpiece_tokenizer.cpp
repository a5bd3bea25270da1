// BERT's WordPiece tokenizer: special tokens matched whole, BertNormalizer, BertPreTokenizer
// (split on whitespace, isolate punctuation), greedy longest-match-first subwords; decoding
// as Hugging Face's WordPiece decoder followed by transformers' clean_up_tokenization.
#include <string>
#include <utility>

#include "engine/text/bert_normalizer.h"
#include "engine/text/lowercase_text.h"
#include "engine/text/special_tokens.h"
#include "engine/text/tokenizer.h"
#include "engine/text/unicode.h"
#include "engine/text/utf8.h"
#include "engine/text/vocabulary.h"
#include "qtx/error.h"

namespace qtx::text {
namespace {

// Rust's char::is_ascii_punctuation plus Unicode's P* categories, as BertPreTokenizer.
bool is_bert_punctuation(char32_t c) {
  const bool ascii_symbol = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                            (c >= 123 && c <= 126);
  return ascii_symbol || unicode::is_punctuation(c);
}

// Words of normalized text: whitespace separates (and is dropped), every punctuation
// character is a word of its own.
std::vector<std::u32string_view> split_words(std::u32string_view text) {
  std::vector<std::u32string_view> words;
  size_t start = 0;
  auto flush = [&](size_t end) {
    if (end > start) words.push_back(text.substr(start, end - start));
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (unicode::is_white_space(text[i])) {
      flush(i);
      start = i + 1;
    } else if (is_bert_punctuation(text[i])) {
      flush(i);
      words.push_back(text.substr(i, 1));
      start = i + 1;
    }
  }
  flush(text.size());
  return words;
}

// transformers' PreTrainedTokenizerBase.clean_up_tokenization; also, token by token, the
// cleanup of tokenizers' WordPiece decoder (its list adds " do not" -> " don't").
std::string clean_up_spaces(std::string text, bool with_do_not) {
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},   {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) {
    if (from == " do not" && !with_do_not) continue;
    std::string out;
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
      out.append(text, pos, hit - pos).append(to);
    }
    out.append(text, pos);
    text = std::move(out);
  }
  return text;
}

class WordPieceTokenizer final : public Tokenizer {
 public:
  WordPieceTokenizer(std::vector<std::string> vocab, std::vector<int32_t> special, SpecialIds ids,
                     WordPieceOptions options)
      : vocab_(std::move(vocab)),
        special_(vocab_, special, ids),
        ids_(ids),
        options_(std::move(options)) {
    if (!vocab_.contains(ids_.unk)) {
      throw Error(ErrorCode::kInvalidArgument, "WordPiece tokenizer needs an unknown-token id");
    }
    if (options_.max_input_chars_per_word <= 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "WordPiece max_input_chars_per_word must be positive, not " +
                      std::to_string(options_.max_input_chars_per_word));
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
      const std::u32string normalized = normalize_bert(chars, options_);
      for (std::u32string_view word : split_words(normalized)) append_word(word, ids);
    }
    return ids;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special) const override {
    std::string text;
    bool first = true;
    for (int32_t id : ids) {
      const std::string& token = vocab_.token(id);
      if (skip_special && special_.contains(id)) continue;
      std::string piece;
      const std::string_view prefix = options_.continuing_subword_prefix;
      if (first) {
        piece = token;
      } else if (token.starts_with(prefix)) {
        piece = token.substr(prefix.size());
      } else {
        piece = " " + token;
      }
      first = false;
      text += clean_up_spaces(std::move(piece), true);
    }
    return clean_up_spaces(std::move(text), false);
  }

  std::vector<int32_t> frame(std::span<const int32_t> body) const override {
    if (ids_.cls < 0 || ids_.sep < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "WordPiece tokenizer has no [CLS]/[SEP] ids to frame the input");
    }
    std::vector<int32_t> ids{ids_.cls};
    ids.insert(ids.end(), body.begin(), body.end());
    ids.push_back(ids_.sep);
    return ids;
  }

  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& token(int32_t id) const override { return vocab_.token(id); }
  const SpecialIds& special_ids() const override { return ids_; }

 private:
  // Greedy longest-match-first; a word with any unmatched part, or longer than
  // max_input_chars_per_word characters, becomes the single unknown token.
  void append_word(std::u32string_view word, std::vector<int32_t>& ids) const {
    if (word.size() > static_cast<size_t>(options_.max_input_chars_per_word)) {
      ids.push_back(ids_.unk);
      return;
    }
    // Candidates are cut at character boundaries of the word's UTF-8 form.
    std::string bytes;
    std::vector<size_t> boundary{0};
    for (char32_t c : word) {
      utf8::append(c, bytes);
      boundary.push_back(bytes.size());
    }
    const size_t first_piece = ids.size();
    std::string candidate;
    const std::string& prefix = options_.continuing_subword_prefix;
    for (size_t start = 0; start < word.size();) {
      // Candidates longer than the longest token cannot match: skipping them keeps a long
      // word linear in its length whatever max_input_chars_per_word allows.
      const size_t prefix_size = start > 0 ? prefix.size() : 0;
      size_t end = start;
      while (end < word.size() &&
             prefix_size + boundary[end + 1] - boundary[start] <= vocab_.longest_token()) {
        ++end;
      }
      int32_t match = -1;
      for (; end > start; --end) {
        candidate.assign(prefix, 0, prefix_size);
        candidate.append(bytes, boundary[start], boundary[end] - boundary[start]);
        match = vocab_.find(candidate);
        if (match >= 0) break;
      }
      if (match < 0) {
        ids.resize(first_piece);
        ids.push_back(ids_.unk);
        return;
      }
      ids.push_back(match);
      start = end;
    }
  }

  Vocabulary vocab_;
  SpecialTokens special_;
  SpecialIds ids_;
  WordPieceOptions options_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_wordpiece(std::vector<std::string> vocab,
                                          std::vector<int32_t> special_tokens, SpecialIds ids,
                                          WordPieceOptions options) {
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), std::move(special_tokens), ids,
                                              std::move(options));
}

}  // namespace qtx::text
