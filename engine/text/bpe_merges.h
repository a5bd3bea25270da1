// The merge table of a BPE vocabulary and the merge loop: the adjacent pair of lowest rank is
// merged first, leftmost on a tie, until no pair has a merge (the algorithm of Hugging Face's
// tokenizers: a linked list of symbols and a min-heap of candidate pairs, O(n log n)).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/text/vocabulary.h"

namespace qtx::text {

class BpeMerges {
 public:
  // merges[rank] is "left right"; both sides and their concatenation must be tokens of
  // `vocab`. Throws qtx::Error(kInvalidArgument) naming the first bad merge.
  BpeMerges(const Vocabulary& vocab, std::span<const std::string> merges);

  size_t size() const { return merges_.size(); }
  // Merges a word given as token ids, in place.
  void apply(std::vector<int32_t>& word) const;

 private:
  struct Merge {
    uint32_t rank;
    int32_t merged_id;
  };
  const Merge* find(int32_t left, int32_t right) const;

  std::unordered_map<uint64_t, Merge> merges_;  // key: left id << 32 | right id
};

}  // namespace qtx::text
