// Reading trained checkpoints in Hugging Face layouts: model.safetensors (single or sharded
// through model.safetensors.index.json) and pytorch_model.bin (a zip holding a pickle, read by
// a restricted unpickler: a checkpoint can never execute code). Tensors come back as float32
// whatever their stored dtype (F32, F16, BF16).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::convert {

struct TensorEntry {
  std::string name;
  DType dtype;  // as stored
  Shape shape;
};

// One source of named tensors (a safetensors file, a pickle checkpoint, a set of shards).
class TensorSource {
 public:
  virtual ~TensorSource() = default;
  virtual std::vector<TensorEntry> entries() const = 0;
  // Throws qtx::Error naming the file and tensor when it is absent or its bytes are bad.
  virtual Tensor load_f32(const std::string& name) const = 0;
};

class Checkpoint {
 public:
  // Finds the weights in `dir`: model.safetensors.index.json, model.safetensors,
  // pytorch_model.bin.index.json or pytorch_model.bin, in that order of preference.
  static Checkpoint open(const std::filesystem::path& dir);
  // A single weights file (.safetensors or .bin), for tests and tools.
  static Checkpoint open_file(const std::filesystem::path& file);

  const std::filesystem::path& path() const { return path_; }
  bool contains(const std::string& name) const;
  const TensorEntry* find(const std::string& name) const;  // nullptr when absent
  const std::vector<TensorEntry>& entries() const { return entries_; }
  // float32 copy of a tensor; throws qtx::Error naming the tensor when it is absent.
  Tensor load_f32(const std::string& name) const;

 private:
  std::filesystem::path path_;
  std::vector<TensorEntry> entries_;
  std::vector<std::shared_ptr<TensorSource>> sources_;
  std::vector<size_t> source_of_;  // entries_[i] lives in sources_[source_of_[i]]
};

}  // namespace qtx::convert
