// A sharded checkpoint's index (model.safetensors.index.json, pytorch_model.bin.index.json):
// its "weight_map" names, for each tensor, the shard file holding it. Shard names come from
// an untrusted file, so each must stay inside the checkpoint's directory.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace qtx::convert {

struct ShardIndex {
  // (tensor name, index into shards), in the order of the index file.
  std::vector<std::pair<std::string, size_t>> tensors;
  // Distinct shard files, resolved against the index's directory, in first-use order.
  std::vector<std::filesystem::path> shards;
};

// Throws qtx::Error(kInvalidFile) naming the index file for a malformed index or a shard name
// that is absolute, empty or climbs out of the directory ("..").
ShardIndex read_shard_index(const std::filesystem::path& index_file);

}  // namespace qtx::convert
