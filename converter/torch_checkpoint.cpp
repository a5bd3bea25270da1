#include "converter/torch_checkpoint.h"

#include <limits>

#include "converter/float_decode.h"
#include "converter/torch_pickle.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr size_t kMaxRank = 8;

bool float_storage(const std::string& storage_type, DType& dtype) {
  if (storage_type == "FloatStorage") {
    dtype = DType::F32;
  } else if (storage_type == "HalfStorage") {
    dtype = DType::F16;
  } else if (storage_type == "BFloat16Storage") {
    dtype = DType::BF16;
  } else {
    return false;
  }
  return true;
}

// Row-major contiguity; a dimension of size 1 may carry any stride (torch leaves it free).
bool contiguous(const Shape& shape, const Shape& stride) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && stride[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

int64_t checked_numel(const Shape& shape, const std::string& context) {
  int64_t numel = 1;
  for (const int64_t d : shape) {
    if (d < 0 || (d > 0 && numel > std::numeric_limits<int64_t>::max() / d)) {
      throw Error(ErrorCode::kInvalidFile, context + ": invalid size " + shape_string(shape));
    }
    numel *= d;
  }
  return numel;
}

}  // namespace

std::shared_ptr<TorchCheckpointFile> TorchCheckpointFile::open(const std::filesystem::path& path) {
  auto mapped = MappedFile::open(path);
  const bool zip = mapped->size() >= 4 && std::to_integer<char>(mapped->data()[0]) == 'P' &&
                   std::to_integer<char>(mapped->data()[1]) == 'K';
  if (!zip) {
    throw Error(ErrorCode::kUnsupported,
                path.string() +
                    ": not a zip archive; torch files from before torch 1.6 (legacy "
                    "format) are not supported, re-save with torch.save");
  }
  std::shared_ptr<TorchCheckpointFile> file(new TorchCheckpointFile(std::move(mapped)));
  const std::string prefix = file->find_prefix();
  if (const auto* order = file->zip_.find(prefix + "byteorder")) {
    const auto bytes = file->zip_.bytes(*order);
    if (std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()) != "little") {
      throw Error(ErrorCode::kUnsupported, path.string() + ": big-endian torch checkpoint");
    }
  }
  const auto pickle = file->zip_.bytes(*file->zip_.find(prefix + "data.pkl"));
  for (const auto& tensor : read_torch_pickle(pickle, path.string())) {
    file->add_tensor(tensor, prefix);
  }
  return file;
}

// torch.save names every entry "<archive name>/...": find the one data.pkl at that depth.
std::string TorchCheckpointFile::find_prefix() const {
  std::string prefix;
  int found = 0;
  for (const auto& entry : zip_.entries()) {
    const size_t slash = entry.name.find('/');
    if (slash != std::string::npos && entry.name.substr(slash + 1) == "data.pkl") {
      prefix = entry.name.substr(0, slash + 1);
      ++found;
    }
  }
  if (found != 1) {
    throw Error(ErrorCode::kInvalidFile,
                context() + ": expected one <name>/data.pkl in the torch archive, found " +
                    std::to_string(found));
  }
  return prefix;
}

void TorchCheckpointFile::add_tensor(const PickledTensor& tensor, const std::string& prefix) {
  const std::string where = context() + ": tensor '" + tensor.name + "'";
  if (locations_.contains(tensor.name) || unsupported_.contains(tensor.name)) {
    throw Error(ErrorCode::kInvalidFile, where + " is stored twice");
  }
  DType dtype{};
  if (!float_storage(tensor.storage_type, dtype)) {
    unsupported_.emplace(tensor.name, tensor.storage_type);
    return;
  }
  if (tensor.shape.size() > kMaxRank || tensor.stride.size() != tensor.shape.size()) {
    throw Error(ErrorCode::kInvalidFile, where + ": size and stride do not match");
  }
  const int64_t numel = checked_numel(tensor.shape, where);
  if (numel > 0 && !contiguous(tensor.shape, tensor.stride)) {
    throw Error(ErrorCode::kUnsupported,
                where + " is not contiguous (size " + shape_string(tensor.shape) + ", stride " +
                    shape_string(tensor.stride) + "); save it with .contiguous()");
  }
  const auto* storage = zip_.find(prefix + "data/" + tensor.storage_key);
  if (storage == nullptr) {
    throw Error(ErrorCode::kInvalidFile,
                where + ": storage '" + tensor.storage_key + "' is missing from the archive");
  }
  const auto element = static_cast<int64_t>(dtype_size(dtype));
  const auto storage_numel = static_cast<int64_t>(storage->size) / element;
  if (tensor.storage_numel != storage_numel ||
      static_cast<size_t>(storage_numel * element) != storage->size) {
    throw Error(ErrorCode::kInvalidFile, where + ": storage '" + tensor.storage_key + "' holds " +
                                             std::to_string(storage->size) + " bytes, not " +
                                             std::to_string(tensor.storage_numel) + " elements");
  }
  if (tensor.offset < 0 || tensor.offset > storage_numel || numel > storage_numel - tensor.offset) {
    throw Error(ErrorCode::kInvalidFile, where + ": offset " + std::to_string(tensor.offset) +
                                             " and size " + shape_string(tensor.shape) +
                                             " run past its storage of " +
                                             std::to_string(storage_numel) + " elements");
  }
  locations_.emplace(
      tensor.name,
      Location{entries_.size(), storage->data_offset + static_cast<size_t>(tensor.offset * element),
               static_cast<size_t>(numel * element)});
  entries_.push_back({tensor.name, dtype, tensor.shape});
}

Tensor TorchCheckpointFile::load_f32(const std::string& name) const {
  const std::string where = context() + ": tensor '" + name + "'";
  if (const auto it = unsupported_.find(name); it != unsupported_.end()) {
    throw Error(ErrorCode::kUnsupported,
                where + " is a " + it->second + "; only Float, Half and BFloat16 are supported");
  }
  const auto it = locations_.find(name);
  if (it == locations_.end()) throw Error(ErrorCode::kInvalidArgument, where + " not found");
  const Location& location = it->second;
  const TensorEntry& entry = entries_[location.entry];
  return decode_f32(entry.dtype, entry.shape,
                    {zip_.file()->data() + location.offset, location.bytes}, where);
}

}  // namespace qtx::convert
