#include "converter/shard_index.h"

#include <map>

#include "engine/util/json.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// Plain relative paths only: no root, no "..", nothing that resolves outside `dir`.
bool stays_inside(const std::filesystem::path& relative) {
  if (relative.empty() || relative.has_root_path()) return false;
  for (const auto& part : relative) {
    if (part == ".." || part.empty()) return false;
  }
  return relative.has_filename();
}

}  // namespace

ShardIndex read_shard_index(const std::filesystem::path& index_file) {
  const std::string source = index_file.string();
  const Json index = Json::parse_file(source);
  const Json* weight_map = index.is_object() ? index.find("weight_map") : nullptr;
  if (weight_map == nullptr || !weight_map->is_object()) {
    throw Error(ErrorCode::kInvalidFile, source + ": no \"weight_map\" object");
  }
  ShardIndex out;
  std::map<std::string, size_t> shard_ids;
  for (const auto& [tensor, shard] : weight_map->as_object()) {
    if (!shard.is_string()) {
      throw Error(ErrorCode::kInvalidFile,
                  source + ": weight_map entry '" + tensor + "' is not a file name");
    }
    const std::filesystem::path relative(shard.as_string());
    if (!stays_inside(relative)) {
      throw Error(ErrorCode::kInvalidFile, source + ": shard '" + shard.as_string() +
                                               "' of tensor '" + tensor +
                                               "' is outside the checkpoint directory");
    }
    const auto [it, added] = shard_ids.emplace(shard.as_string(), out.shards.size());
    if (added) out.shards.push_back(index_file.parent_path() / relative);
    out.tensors.emplace_back(tensor, it->second);
  }
  return out;
}

}  // namespace qtx::convert
