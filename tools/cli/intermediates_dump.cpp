#include "tools/cli/intermediates_dump.h"

#include <set>
#include <string>

#include "engine/runtime/session_batch.h"
#include "engine/util/atomic_file.h"
#include "engine/util/json.h"
#include "qtx/error.h"
#include "tools/cli/npy_writer.h"

namespace qtx::cli {
namespace {

namespace fs = std::filesystem;

// A node name as a file name: nothing but letters, digits, '.', '-' and '_' (a hostile file
// names its nodes as it likes), and never starting with a dot.
std::string file_stem(const std::string& name) {
  std::string stem;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    stem.push_back(plain ? c : '_');
  }
  if (stem.empty() || stem.front() == '.') stem.insert(stem.begin(), '_');
  return stem;
}

class DumpObserver final : public RunObserver {
 public:
  DumpObserver(const fb::GraphT& graph, fs::path dir) : graph_(graph), dir_(std::move(dir)) {}

  void observe(int node_index, std::string_view what, const Tensor& value) override {
    if (value.dtype() != DType::F32) return;
    std::string name = graph_.nodes.at(static_cast<size_t>(node_index))->name;
    if (what != "output") name.append(".").append(what);
    // append() rather than operator+: g++ 12 warns falsely (-Wrestrict) on the latter.
    const std::string stem = file_stem(name);
    std::string file = std::string(stem).append(".npy");
    for (int n = 2; used_.count(file) > 0; ++n) {
      file = std::string(stem).append(".").append(std::to_string(n)).append(".npy");
    }
    used_.insert(file);
    write_npy(dir_ / file, {value.data<float>(), static_cast<size_t>(value.numel())},
              value.shape());
    Json shape = Json::Array{};
    for (int64_t d : value.shape()) shape.push_back(d);
    Json entry;
    entry.set("name", name);
    entry.set("file", file);
    entry.set("shape", std::move(shape));
    entries_.push_back(std::move(entry));
  }

  Json manifest() const {
    Json out;
    out.set("tensors", Json(entries_));
    return out;
  }

 private:
  const fb::GraphT& graph_;
  fs::path dir_;
  std::set<std::string> used_;
  Json::Array entries_;
};

}  // namespace

void prepare_dump_directory(const fs::path& dir) {
  std::error_code error;
  if (fs::exists(dir, error) && !(fs::is_directory(dir) && fs::is_empty(dir))) {
    throw Error(ErrorCode::kInvalidArgument,
                dir.string() + ": --dump-intermediates needs a new or empty directory");
  }
  fs::create_directories(dir, error);
  if (error) throw Error(ErrorCode::kIo, dir.string() + ": cannot create it: " + error.message());
}

void dump_intermediates(const Executor& executor,
                        const std::vector<std::vector<int32_t>>& sequences, const fs::path& dir) {
  const fb::ModelT& desc = executor.model().desc;
  const runtime::PaddedBatch batch = runtime::pad_batch(sequences, runtime::batch_limits(desc),
                                                        runtime::pad_side(desc.config->family));
  DumpObserver observer(executor.model().graph(), dir);
  executor.run(RunInputs{batch.input_ids, batch.attention_mask}, nullptr, &observer);
  AtomicFileWriter manifest(dir / "manifest.json");
  manifest.write(observer.manifest().dump(1) + "\n");
  manifest.commit();
}

}  // namespace qtx::cli
