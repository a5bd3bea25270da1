#include "engine/format/qtx_loader.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <span>
#include <string>

#include "engine/format/file_header.h"
#include "engine/format/model_checks.h"
#include "engine/format/unpack_budget.h"
#include "engine/util/mapped_file.h"
#include "qtx/error.h"

namespace qtx {
namespace {

// Our schema nests four tables deep; anything far deeper is hostile.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;
constexpr flatbuffers::uoffset_t kMaxTables = 1u << 22;

const fb::Model& verified_model(const std::byte* buffer, uint32_t size,
                                const std::string& file_name) {
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    throw Error(ErrorCode::kInvalidFile, file_name + ": the model description (" +
                                             std::to_string(size) +
                                             " bytes) exceeds the FlatBuffers limit of 2 GB");
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(buffer);
  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxDepth;
  options.max_tables = kMaxTables;
  flatbuffers::Verifier verifier(bytes, size, options);
  if (!fb::VerifyModelBuffer(verifier)) {
    throw Error(ErrorCode::kInvalidFile,
                file_name + ": the model description (FlatBuffer, " + std::to_string(size) +
                    " bytes) is corrupt: it fails the FlatBuffers verifier");
  }
  return *fb::GetModel(bytes);
}

// Views every constant in place; the checks have proven each one inside the data section.
void attach_constants(ModelDef& model, const std::shared_ptr<const MappedFile>& file,
                      const format::FileHeader& header) {
  const auto& tensors = model.desc.graph->tensors;
  model.constants.resize(tensors.size());
  const std::byte* section = file->data() + header.data_offset;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const fb::TensorT& t = *tensors[i];
    if (!t.constant) continue;
    model.constants[i] = Tensor::view(t.dtype, t.shape, section + t.data_offset, file);
  }
}

}  // namespace

std::shared_ptr<const ModelDef> load_qtx(const std::filesystem::path& path) {
  const std::string file_name = path.filename().string();
  const auto file = MappedFile::open(path);
  const std::span<const std::byte> bytes(file->data(), file->size());
  const format::FileHeader header = format::decode_header(
      bytes.first(std::min(bytes.size(), format::kHeaderSize)), bytes.size(), file_name);

  const fb::Model& root =
      verified_model(file->data() + header.flatbuffer_offset, header.flatbuffer_size, file_name);
  format::check_unpack_budget(root, header.flatbuffer_size, file_name);
  auto model = std::make_shared<ModelDef>();
  root.UnPackTo(&model->desc);
  format::validate_model(model->desc, header.data_size, file_name);
  attach_constants(*model, file, header);
  return model;
}

}  // namespace qtx
