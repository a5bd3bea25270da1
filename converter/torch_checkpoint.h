// A pytorch_model.bin written by torch.save (the zip format of torch >= 1.6): <prefix>/data.pkl
// describes the state dict, <prefix>/data/<key> holds each storage's raw bytes. The pickle is
// read by a restricted unpickler (torch_pickle.h); tensors are decoded from the mapping.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "converter/tensor_file.h"
#include "converter/torch_pickle.h"
#include "converter/zip_archive.h"

namespace qtx::convert {

class TorchCheckpointFile : public TensorFile {
 public:
  // Throws qtx::Error(kInvalidFile) naming the file and tensor for a corrupt or hostile file,
  // kUnsupported for a legacy (non-zip) torch file or a non-contiguous tensor.
  static std::shared_ptr<TorchCheckpointFile> open(const std::filesystem::path& path);

  // Tensors of a float dtype, in state dict order; others (int64 buffers) are left out.
  std::vector<TensorEntry> entries() const override { return entries_; }
  Tensor load_f32(const std::string& name) const override;
  bool holds_unsupported(const std::string& name) const override {
    return unsupported_.contains(name);
  }

 private:
  struct Location {
    size_t entry = 0;
    size_t offset = 0;  // of the tensor's first byte in the file
    size_t bytes = 0;
  };

  explicit TorchCheckpointFile(std::shared_ptr<const MappedFile> file) : zip_(std::move(file)) {}
  std::string find_prefix() const;
  void add_tensor(const PickledTensor& tensor, const std::string& prefix);
  std::string context() const { return zip_.file()->path().string(); }

  ZipArchive zip_;
  std::vector<TensorEntry> entries_;
  std::map<std::string, Location, std::less<>> locations_;
  std::map<std::string, std::string, std::less<>> unsupported_;  // name -> storage type
};

}  // namespace qtx::convert
