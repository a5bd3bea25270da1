// Test checkpoints made at run time from the shared models: a temporary directory (removed by
// its destructor), a small safetensors writer and helpers to copy a model's side files, so
// tests can build headless, broken or renamed checkpoints without committing megabytes.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/tensor.h"
#include "engine/util/json.h"

namespace qtx::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path shared_model_dir(const std::string& name);

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Every tensor of a shared model, as float32, in checkpoint order.
NamedTensors read_all_tensors(const std::string& model);
// A single model.safetensors holding `tensors` as F32.
void write_safetensors(const std::filesystem::path& file, const NamedTensors& tensors);
// The model's config.json and tokenizer files copied into `dir` (not its weights).
void copy_side_files(const std::string& model, const std::filesystem::path& dir);
Json read_json(const std::filesystem::path& file);
// A copy of a JSON object with `key` set to `value` (replaced in place, or appended).
Json with_key(const Json& object, const std::string& key, Json value);
void write_json(const std::filesystem::path& file, const Json& json);

}  // namespace qtx::testing
