// A tokenizer vocabulary: token strings by id and the reverse lookup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qtx::text {

class Vocabulary {
 public:
  // tokens[i] is the token of id i. A token listed twice is looked up as its last id, as
  // Hugging Face's vocabulary readers do.
  explicit Vocabulary(std::vector<std::string> tokens);
  // The lookup holds views into tokens_: copying would leave them dangling; moving keeps the
  // strings where they are.
  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;
  Vocabulary(Vocabulary&&) = default;
  Vocabulary& operator=(Vocabulary&&) = default;

  size_t size() const { return tokens_.size(); }
  bool contains(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); }
  // Throws qtx::Error(kInvalidArgument) naming the id when it is out of range.
  const std::string& token(int32_t id) const;
  // -1 when absent.
  int32_t find(std::string_view token) const;
  // The length in bytes of the longest token: no longer string can be found.
  size_t longest_token() const { return longest_token_; }

 private:
  std::vector<std::string> tokens_;
  size_t longest_token_ = 0;
  std::unordered_map<std::string_view, int32_t> ids_;
};

}  // namespace qtx::text
