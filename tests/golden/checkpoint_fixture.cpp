#include "tests/golden/checkpoint_fixture.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "converter/checkpoint.h"

namespace qtx::testing {

TempDir::TempDir(const std::string& tag) {
  std::random_device entropy;
  path_ = std::filesystem::temp_directory_path() /
          ("qtx-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(entropy()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path shared_model_dir(const std::string& name) {
  return std::filesystem::path(QTX_SHARED_DIR) / "models" / name;
}

NamedTensors read_all_tensors(const std::string& model) {
  const auto checkpoint = convert::Checkpoint::open(shared_model_dir(model));
  NamedTensors tensors;
  for (const auto& entry : checkpoint.entries()) {
    tensors.emplace_back(entry.name, checkpoint.load_f32(entry.name));
  }
  return tensors;
}

void write_safetensors(const std::filesystem::path& file, const NamedTensors& tensors) {
  Json header;
  size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    Json shape;
    for (int64_t d : tensor.shape()) shape.push_back(Json(d));
    Json entry;
    entry.set("dtype", "F32");
    entry.set("shape", shape);
    entry.set("data_offsets",
              Json(Json::Array{Json(static_cast<int64_t>(offset)),
                               Json(static_cast<int64_t>(offset + tensor.nbytes()))}));
    header.set(name, entry);
    offset += tensor.nbytes();
  }
  const std::string text = header.dump();
  const uint64_t length = text.size();
  std::ofstream out(file, std::ios::binary);
  char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  out.write(length_bytes, 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& named : tensors) {
    out.write(static_cast<const char*>(named.second.raw()),
              static_cast<std::streamsize>(named.second.nbytes()));
  }
}

void copy_side_files(const std::string& model, const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(shared_model_dir(model))) {
    const std::string name = entry.path().filename().string();
    if (name.find("safetensors") != std::string::npos) continue;
    std::filesystem::copy_file(entry.path(), dir / name,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

Json read_json(const std::filesystem::path& file) {
  return Json::parse_file(file.string());
}

Json with_key(const Json& object, const std::string& key, Json value) {
  Json result;
  bool replaced = false;
  for (const auto& [name, member] : object.as_object()) {
    const bool match = name == key;
    result.set(name, match ? value : member);
    replaced = replaced || match;
  }
  if (!replaced) result.set(key, std::move(value));
  return result;
}

void write_json(const std::filesystem::path& file, const Json& json) {
  std::ofstream(file) << json.dump(1);
}

}  // namespace qtx::testing
