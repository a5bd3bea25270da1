#include "engine/text/vocabulary.h"

#include <algorithm>
#include <limits>

#include "qtx/error.h"

namespace qtx::text {

Vocabulary::Vocabulary(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  if (tokens_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw Error(ErrorCode::kInvalidArgument, "tokenizer vocabulary has " +
                                                 std::to_string(tokens_.size()) +
                                                 " tokens, more than int32 ids can address");
  }
  ids_.reserve(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    ids_.insert_or_assign(std::string_view(tokens_[id]), static_cast<int32_t>(id));
    longest_token_ = std::max(longest_token_, tokens_[id].size());
  }
}

const std::string& Vocabulary::token(int32_t id) const {
  if (!contains(id)) {
    throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) +
                                                 " is outside the vocabulary of " +
                                                 std::to_string(tokens_.size()) + " tokens");
  }
  return tokens_[static_cast<size_t>(id)];
}

int32_t Vocabulary::find(std::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

}  // namespace qtx::text
