#include "engine/text/special_tokens.h"

#include <algorithm>
#include <string>

#include "qtx/error.h"

namespace qtx::text {
namespace {

void check_id(const Vocabulary& vocab, int32_t id, const char* what) {
  if (!vocab.contains(id)) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("tokenizer ") + what + " id " + std::to_string(id) +
                    " is outside the vocabulary of " + std::to_string(vocab.size()) + " tokens");
  }
}

void check_optional_id(const Vocabulary& vocab, int32_t id, const char* what) {
  if (id != -1) check_id(vocab, id, what);
}

}  // namespace

SpecialTokens::SpecialTokens(const Vocabulary& vocab, std::span<const int32_t> special,
                             const SpecialIds& ids) {
  check_optional_id(vocab, ids.unk, "unk");
  check_optional_id(vocab, ids.cls, "cls");
  check_optional_id(vocab, ids.sep, "sep");
  check_optional_id(vocab, ids.pad, "pad");
  check_optional_id(vocab, ids.mask, "mask");
  check_optional_id(vocab, ids.bos, "bos");
  check_optional_id(vocab, ids.eos, "eos");
  for (int32_t id : special) {
    check_id(vocab, id, "special token");
    if (!ids_.insert(id).second) continue;
    const std::string& token = vocab.token(id);
    if (token.empty()) continue;  // an empty token can never be matched in text
    by_first_byte_[static_cast<unsigned char>(token[0])].push_back({token, id});
  }
  for (auto& candidates : by_first_byte_) {
    std::stable_sort(
        candidates.begin(), candidates.end(),
        [](const Candidate& a, const Candidate& b) { return a.text.size() > b.text.size(); });
  }
}

const SpecialTokens::Candidate* SpecialTokens::match_at(std::string_view text, size_t pos) const {
  for (const Candidate& candidate : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
    if (text.substr(pos, candidate.text.size()) == candidate.text) return &candidate;
  }
  return nullptr;
}

std::vector<TextSegment> SpecialTokens::split(std::string_view text) const {
  std::vector<TextSegment> segments;
  size_t plain_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const Candidate* match = match_at(text, pos);
    if (match == nullptr) {
      ++pos;
      continue;
    }
    if (pos > plain_start) segments.push_back({text.substr(plain_start, pos - plain_start), -1});
    segments.push_back({match->text, match->id});
    pos += match->text.size();
    plain_start = pos;
  }
  if (plain_start < text.size()) segments.push_back({text.substr(plain_start), -1});
  return segments;
}

}  // namespace qtx::text
