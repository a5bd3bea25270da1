#include "engine/text/bpe_merges.h"

#include <bit>
#include <queue>

#include "qtx/error.h"

namespace qtx::text {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

int32_t require_token(const Vocabulary& vocab, const std::string& token, size_t rank) {
  const int32_t id = vocab.find(token);
  if (id < 0) {
    throw Error(ErrorCode::kInvalidArgument, "BPE merge " + std::to_string(rank) +
                                                 " uses the token '" + token +
                                                 "', which is not in the vocabulary");
  }
  return id;
}

// One symbol of the word being merged; removed symbols keep their slot with alive false.
struct Symbol {
  int32_t id;
  int64_t prev;
  int64_t next;
  bool alive;
};

struct Candidate {
  uint32_t rank;
  size_t pos;  // the left symbol's slot
  int32_t merged_id;
  // std::priority_queue is a max-heap: "less" means later (higher rank, then further right).
  bool operator<(const Candidate& other) const {
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

}  // namespace

BpeMerges::BpeMerges(const Vocabulary& vocab, std::span<const std::string> merges) {
  size_t capacity = 16;
  while (capacity < 2 * merges.size()) capacity *= 2;
  slots_.assign(capacity, Merge{kEmpty, 0, 0});
  shift_ = 64 - std::countr_zero(capacity);
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& merge = merges[rank];
    const size_t space = merge.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == merge.size() ||
        merge.find(' ', space + 1) != std::string::npos) {
      throw Error(ErrorCode::kInvalidArgument, "BPE merge " + std::to_string(rank) + " '" + merge +
                                                   "' is not two tokens 'left right'");
    }
    const std::string left = merge.substr(0, space);
    const std::string right = merge.substr(space + 1);
    const int32_t left_id = require_token(vocab, left, rank);
    const int32_t right_id = require_token(vocab, right, rank);
    const int32_t merged_id = require_token(vocab, left + right, rank);
    // A repeated pair keeps its last rank, as Hugging Face's merge map does.
    Merge& slot = slots_[slot_of(pair_key(left_id, right_id))];
    if (slot.key == kEmpty) ++size_;
    slot = Merge{pair_key(left_id, right_id), static_cast<uint32_t>(rank), merged_id};
  }
}

// The slot holding `key`, or the empty slot where it would go (linear probing).
size_t BpeMerges::slot_of(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  size_t slot = static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  while (slots_[slot].key != key && slots_[slot].key != kEmpty) slot = (slot + 1) & mask;
  return slot;
}

const BpeMerges::Merge* BpeMerges::find(int32_t left, int32_t right) const {
  const Merge& slot = slots_[slot_of(pair_key(left, right))];
  return slot.key == kEmpty ? nullptr : &slot;
}

void BpeMerges::apply(std::vector<int32_t>& word) const {
  if (word.size() < 2) return;
  std::vector<Symbol> symbols(word.size());
  std::priority_queue<Candidate> queue;
  for (size_t i = 0; i < word.size(); ++i) {
    const auto pos = static_cast<int64_t>(i);
    symbols[i] = {word[i], pos - 1, i + 1 < word.size() ? pos + 1 : -1, true};
    if (i + 1 < word.size()) {
      if (const Merge* merge = find(word[i], word[i + 1])) {
        queue.push({merge->rank, i, merge->merged_id});
      }
    }
  }
  auto push_pair = [&](size_t left) {
    const Symbol& symbol = symbols[left];
    if (symbol.next < 0) return;
    if (const Merge* merge = find(symbol.id, symbols[static_cast<size_t>(symbol.next)].id)) {
      queue.push({merge->rank, left, merge->merged_id});
    }
  };
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    const auto right_pos = static_cast<size_t>(left.next);
    Symbol& right = symbols[right_pos];
    // Stale entries: the pair at this slot changed since the candidate was queued.
    const Merge* current = find(left.id, right.id);
    if (current == nullptr || current->merged_id != top.merged_id) continue;
    left.id = top.merged_id;
    left.next = right.next;
    right.alive = false;
    if (right.next >= 0)
      symbols[static_cast<size_t>(right.next)].prev = static_cast<int64_t>(top.pos);
    if (left.prev >= 0) push_pair(static_cast<size_t>(left.prev));
    push_pair(top.pos);
  }
  word.clear();
  for (const Symbol& symbol : symbols) {
    if (symbol.alive) word.push_back(symbol.id);
  }
}

}  // namespace qtx::text
