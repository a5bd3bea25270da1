#include "converter/safetensors.h"

#include <limits>
#include <string_view>

#include "converter/byte_cursor.h"
#include "converter/float_decode.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// The safetensors specification caps the header at 100 MB; a larger one is not a real file.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr size_t kMaxRank = 8;

bool float_dtype(std::string_view code, DType& dtype) {
  if (code == "F32") {
    dtype = DType::F32;
  } else if (code == "F16") {
    dtype = DType::F16;
  } else if (code == "BF16") {
    dtype = DType::BF16;
  } else {
    return false;
  }
  return true;
}

int64_t checked_numel(const Shape& shape, const std::string& context) {
  int64_t numel = 1;
  for (const int64_t d : shape) {
    if (d < 0) throw Error(ErrorCode::kInvalidFile, context + ": negative dimension");
    if (d > 0 && numel > std::numeric_limits<int64_t>::max() / d) {
      throw Error(ErrorCode::kInvalidFile, context + ": element count overflows");
    }
    numel *= d;
  }
  return numel;
}

Shape read_shape(const Json& json, const std::string& context) {
  if (!json.is_array() || json.as_array().size() > kMaxRank) {
    throw Error(ErrorCode::kInvalidFile,
                context + ": \"shape\" must be an array of at most 8 dimensions");
  }
  Shape shape;
  for (const Json& d : json.as_array()) {
    if (!d.is_number()) throw Error(ErrorCode::kInvalidFile, context + ": non-numeric dimension");
    shape.push_back(d.as_int());
  }
  checked_numel(shape, context);
  return shape;
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  std::shared_ptr<SafetensorsFile> st(new SafetensorsFile());
  st->file_ = MappedFile::open(path);
  st->read_header();
  return st;
}

void SafetensorsFile::read_header() {
  const std::string source = file_->path().string();
  ByteCursor cursor({file_->data(), file_->size()}, source);
  const auto header_bytes = cursor.read<uint64_t>("safetensors header length");
  if (header_bytes > cursor.remaining() || header_bytes > kMaxHeaderBytes) {
    throw Error(ErrorCode::kInvalidFile,
                source + ": safetensors header length " + std::to_string(header_bytes) +
                    " exceeds the file size " + std::to_string(file_->size()));
  }
  const auto text = cursor.read_text(static_cast<size_t>(header_bytes), "safetensors header");
  const Json header = Json::parse(text, source);
  if (!header.is_object()) {
    throw Error(ErrorCode::kInvalidFile, source + ": safetensors header is not a JSON object");
  }
  for (const auto& [name, info] : header.as_object()) {
    if (name == "__metadata__") continue;
    add_tensor(name, info, cursor.position());
  }
}

void SafetensorsFile::add_tensor(const std::string& name, const Json& info, size_t data_start) {
  const std::string context = file_->path().string() + ": tensor '" + name + "'";
  try {
    const std::string& code = info.at("dtype").as_string();
    const Shape shape = read_shape(info.at("shape"), context);
    const Json::Array& offsets = info.at("data_offsets").as_array();
    if (offsets.size() != 2) {
      throw Error(ErrorCode::kInvalidFile, context + ": \"data_offsets\" must have two entries");
    }
    const int64_t begin = offsets[0].as_int();
    const int64_t end = offsets[1].as_int();
    const auto data_size = static_cast<int64_t>(file_->size() - data_start);
    if (begin < 0 || begin > end || end > data_size) {
      throw Error(ErrorCode::kInvalidFile, context + ": data_offsets [" + std::to_string(begin) +
                                               ", " + std::to_string(end) + "] outside the " +
                                               std::to_string(data_size) +
                                               " data bytes of the file");
    }
    DType dtype{};
    if (!float_dtype(code, dtype)) {
      unsupported_.emplace(name, code);
      return;
    }
    const int64_t numel = checked_numel(shape, context);
    if (numel > (end - begin) / static_cast<int64_t>(dtype_size(dtype)) ||
        numel * static_cast<int64_t>(dtype_size(dtype)) != end - begin) {
      throw Error(ErrorCode::kInvalidFile, context + ": " + std::to_string(end - begin) +
                                               " data bytes for shape " + shape_string(shape) +
                                               " of dtype " + code);
    }
    locations_.emplace(name, Location{entries_.size(), data_start + static_cast<size_t>(begin),
                                      data_start + static_cast<size_t>(end)});
    entries_.push_back({name, dtype, shape});
  } catch (const Error& e) {
    // Json accessors do not know the file or tensor: add them.
    if (std::string_view(e.what()).starts_with(context)) throw;
    throw Error(e.code(), context + ": " + e.what());
  }
}

Tensor SafetensorsFile::load_f32(const std::string& name) const {
  const std::string context = file_->path().string() + ": tensor '" + name + "'";
  if (const auto it = unsupported_.find(name); it != unsupported_.end()) {
    throw Error(ErrorCode::kUnsupported,
                context + " has dtype " + it->second + "; only F32, F16 and BF16 are supported");
  }
  const auto it = locations_.find(name);
  if (it == locations_.end()) throw Error(ErrorCode::kInvalidArgument, context + " not found");
  const Location& where = it->second;
  const TensorEntry& entry = entries_[where.entry];
  return decode_f32(entry.dtype, entry.shape,
                    {file_->data() + where.begin, where.end - where.begin}, context);
}

}  // namespace qtx::convert
