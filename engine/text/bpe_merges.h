// The merge table of a BPE vocabulary and the merge loop: the adjacent pair of lowest rank is
// merged first, leftmost on a tie, until no pair has a merge (the algorithm of Hugging Face's
// tokenizers: a linked list of symbols and a min-heap of candidate pairs, O(n log n)).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/text/vocabulary.h"

namespace qtx::text {

class BpeMerges {
 public:
  // merges[rank] is "left right"; both sides and their concatenation must be tokens of
  // `vocab`. Throws qtx::Error(kInvalidArgument) naming the first bad merge.
  BpeMerges(const Vocabulary& vocab, std::span<const std::string> merges);

  size_t size() const { return size_; }
  // Merges a word given as token ids, in place.
  void apply(std::vector<int32_t>& word) const;

 private:
  // One slot of an open-addressing hash table keyed by the id pair (left << 32 | right):
  // merge lookups dominate encoding, and a flat table keeps them to about one cache miss.
  struct Merge {
    uint64_t key;
    uint32_t rank;
    int32_t merged_id;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are non-negative: never a key

  size_t slot_of(uint64_t key) const;
  const Merge* find(int32_t left, int32_t right) const;

  std::vector<Merge> slots_;  // a power of two, at most half full
  int shift_ = 64;
  size_t size_ = 0;
};

}  // namespace qtx::text
