#include "tools/cli/window_dump.h"

#include <fstream>

#include "engine/util/json.h"
#include "qtx/error.h"

namespace qtx::cli {
namespace {

template <typename Int>
Json int_array(const std::vector<Int>& values) {
  Json out = Json::Array{};
  for (Int v : values) out.push_back(static_cast<int64_t>(v));
  return out;
}

}  // namespace

void write_windows_json(const std::string& path, std::span<const ScoredWindow> windows) {
  Json list = Json::Array{};
  for (const ScoredWindow& w : windows) {
    Json entry;
    entry.set("input_ids", int_array(w.input_ids));
    entry.set("positions", int_array(w.positions));
    entry.set("targets", int_array(w.targets));
    list.push_back(std::move(entry));
  }
  Json root;
  root.set("windows", std::move(list));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::kIo, path + ": cannot open the windows dump for writing");
  out << root.dump() << "\n";
  out.close();
  if (!out) throw Error(ErrorCode::kIo, path + ": writing the windows dump failed");
}

}  // namespace qtx::cli
