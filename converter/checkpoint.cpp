#include "converter/checkpoint.h"

#include <fstream>
#include <map>
#include <string_view>

#include "converter/safetensors.h"
#include "converter/shard_index.h"
#include "converter/torch_checkpoint.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// What a Checkpoint holds, gathered before it is assembled: a name table over sources.
class Contents {
 public:
  explicit Contents(std::filesystem::path path) : path_(std::move(path)) {}

  size_t add_source(std::shared_ptr<TensorFile> source) {
    sources.push_back(std::move(source));
    return sources.size() - 1;
  }

  // A name in two sources would make the checkpoint ambiguous.
  void add_entry(TensorEntry entry, size_t source) {
    if (!names_.emplace(entry.name, entries.size()).second) {
      throw Error(ErrorCode::kInvalidFile,
                  path_.string() + ": tensor '" + entry.name + "' is stored twice");
    }
    entries.push_back(std::move(entry));
    source_of.push_back(source);
  }

  std::vector<TensorEntry> entries;
  std::vector<std::shared_ptr<TensorSource>> sources;
  std::vector<size_t> source_of;

 private:
  std::filesystem::path path_;
  std::map<std::string, size_t> names_;
};

bool is_zip(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::string_view(magic, 4) == std::string_view("PK\x03\x04", 4);
}

// The format is told by the bytes, not the name: torch.save writes a zip archive.
std::shared_ptr<TensorFile> open_tensor_file(const std::filesystem::path& file) {
  if (is_zip(file)) return TorchCheckpointFile::open(file);
  return SafetensorsFile::open(file);
}

Contents read_single(const std::filesystem::path& file) {
  Contents contents(file);
  auto source = open_tensor_file(file);
  const auto entries = source->entries();
  const size_t id = contents.add_source(std::move(source));
  for (const auto& entry : entries) contents.add_entry(entry, id);
  return contents;
}

// Every tensor the index names must be in its shard; other tensors of a shard are not part of
// the checkpoint (save_pretrained never writes any).
Contents read_sharded(const std::filesystem::path& index_file) {
  const ShardIndex index = read_shard_index(index_file);
  Contents contents(index_file);
  std::vector<std::map<std::string, TensorEntry>> shard_entries;
  std::vector<std::shared_ptr<TensorFile>> shards;
  for (const auto& shard_path : index.shards) {
    shards.push_back(open_tensor_file(shard_path));
    contents.add_source(shards.back());
    auto& by_name = shard_entries.emplace_back();
    for (auto& entry : shards.back()->entries()) by_name.emplace(entry.name, entry);
  }
  for (const auto& [name, shard] : index.tensors) {
    const auto it = shard_entries[shard].find(name);
    if (it != shard_entries[shard].end()) {
      contents.add_entry(it->second, shard);
    } else if (!shards[shard]->holds_unsupported(name)) {
      throw Error(ErrorCode::kInvalidFile, index_file.string() + ": tensor '" + name +
                                               "' is not in its shard " +
                                               index.shards[shard].string());
    }
  }
  return contents;
}

}  // namespace

Checkpoint Checkpoint::open(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(ErrorCode::kIo, "checkpoint directory " + dir.string() + " does not exist");
  }
  for (const char* name : {"model.safetensors.index.json", "model.safetensors",
                           "pytorch_model.bin.index.json", "pytorch_model.bin"}) {
    if (std::filesystem::exists(dir / name)) return open_file(dir / name);
  }
  throw Error(ErrorCode::kInvalidFile, dir.string() +
                                           ": no model.safetensors.index.json, model.safetensors, "
                                           "pytorch_model.bin.index.json or pytorch_model.bin");
}

Checkpoint Checkpoint::open_file(const std::filesystem::path& file) {
  const bool sharded = file.string().ends_with(".index.json");
  Contents contents = sharded ? read_sharded(file) : read_single(file);
  Checkpoint checkpoint;
  checkpoint.path_ = file;
  checkpoint.entries_ = std::move(contents.entries);
  checkpoint.sources_ = std::move(contents.sources);
  checkpoint.source_of_ = std::move(contents.source_of);
  return checkpoint;
}

const TensorEntry* Checkpoint::find(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

bool Checkpoint::contains(const std::string& name) const {
  return find(name) != nullptr;
}

Tensor Checkpoint::load_f32(const std::string& name) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].name == name) return sources_[source_of_[i]]->load_f32(name);
  }
  throw Error(ErrorCode::kInvalidArgument,
              path_.string() + ": no float tensor named '" + name + "'");
}

}  // namespace qtx::convert
