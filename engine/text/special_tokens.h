// Special tokens ("[MASK]", "<|endoftext|>") are matched whole in the raw input text before
// any normalization, leftmost first and longest on a tie, as Hugging Face's added-vocabulary
// split does; decode can skip them.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/text/tokenizer.h"
#include "engine/text/vocabulary.h"

namespace qtx::text {

// A piece of input text: a special token (id >= 0) or plain text to tokenize (id == -1).
struct TextSegment {
  std::string_view text;
  int32_t special_id = -1;
};

class SpecialTokens {
 public:
  // Throws qtx::Error(kInvalidArgument) when an id (in `special` or `ids`) is outside the
  // vocabulary.
  SpecialTokens(const Vocabulary& vocab, std::span<const int32_t> special, const SpecialIds& ids);

  bool contains(int32_t id) const { return ids_.contains(id); }
  std::vector<TextSegment> split(std::string_view text) const;

 private:
  struct Candidate {
    std::string_view text;
    int32_t id;
  };
  // Longest match at `pos` among the tokens starting with text[pos]; nullptr when none.
  const Candidate* match_at(std::string_view text, size_t pos) const;

  std::unordered_set<int32_t> ids_;
  // By first byte, longest first.
  std::array<std::vector<Candidate>, 256> by_first_byte_;
};

}  // namespace qtx::text
