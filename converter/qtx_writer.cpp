#include "converter/qtx_writer.h"

#include <flatbuffers/flatbuffers.h>

#include <string>

#include "engine/format/file_header.h"
#include "engine/format/model_checks.h"
#include "engine/util/atomic_file.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

// The producer recorded in every file; keep in step with project(VERSION) in CMakeLists.txt.
constexpr const char* kProducer = "qtx 0.1.0";

[[noreturn]] void internal(const std::string& what) {
  throw Error(ErrorCode::kInternal, "cannot write .qtx: " + what);
}

// Checks that a constant holds the bytes its tensor table entry describes.
void check_constant_data(const fb::TensorT& t, const Tensor& data) {
  if (!t.constant) {
    if (!data.empty()) internal("tensor '" + t.name + "' is not a constant but has data");
    return;
  }
  if (data.empty()) internal("constant '" + t.name + "' has no data");
  if (data.dtype() != t.dtype || data.shape() != t.shape) {
    internal("constant '" + t.name + "' holds " + std::string(dtype_name(data.dtype())) + " " +
             shape_string(data.shape()) + " but the tensor table says " +
             std::string(dtype_name(t.dtype)) + " " + shape_string(t.shape));
  }
}

// Places every constant in the data section, in tensor order, each at a 64-byte boundary.
// Returns the size of the data section.
uint64_t assign_data_layout(const ModelDef& model, fb::ModelT& desc) {
  if (!desc.graph) internal("the model has no graph");
  auto& tensors = desc.graph->tensors;
  if (model.constants.size() != tensors.size()) {
    internal("the model has " + std::to_string(model.constants.size()) + " constants for " +
             std::to_string(tensors.size()) + " tensors");
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i]) internal("tensor #" + std::to_string(i) + " is missing");
    fb::TensorT& t = *tensors[i];
    check_constant_data(t, model.constants[i]);
    t.data_offset = t.constant ? offset : 0;
    t.data_size = t.constant ? model.constants[i].nbytes() : 0;
    if (t.constant) offset = format::align_up(offset + t.data_size, format::kDataAlignment);
  }
  return offset;
}

void write_data_section(const ModelDef& model, const fb::ModelT& desc, AtomicFileWriter& file) {
  const uint64_t section_start = file.bytes_written();
  const auto& tensors = desc.graph->tensors;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i]->constant) continue;
    file.write(model.constants[i].raw(), tensors[i]->data_size);
    const uint64_t written = file.bytes_written() - section_start;
    file.write_zeros(format::align_up(written, format::kDataAlignment) - written);
  }
}

}  // namespace

void write_qtx(const ModelDef& model, const std::filesystem::path& out) {
  fb::ModelT desc = model.desc;
  desc.producer = kProducer;
  const uint64_t data_size = assign_data_layout(model, desc);
  const std::string file_name = out.filename().string();
  try {
    format::validate_model(desc, data_size, file_name);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("refusing to write an invalid model: ") + e.what());
  }

  flatbuffers::FlatBufferBuilder builder;
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &desc));

  format::FileHeader header;
  header.flatbuffer_offset = static_cast<uint32_t>(format::kHeaderSize);
  header.flatbuffer_size = builder.GetSize();
  header.data_offset = format::align_up(format::kHeaderSize + uint64_t{header.flatbuffer_size},
                                        format::kDataAlignment);
  header.data_size = data_size;

  AtomicFileWriter file(out);
  const auto header_bytes = format::encode_header(header);
  file.write(header_bytes.data(), header_bytes.size());
  file.write(builder.GetBufferPointer(), builder.GetSize());
  file.write_zeros(header.data_offset - file.bytes_written());
  write_data_section(model, desc, file);
  if (file.bytes_written() != header.data_offset + header.data_size) {
    internal(file_name + ": wrote " + std::to_string(file.bytes_written()) +
             " bytes, the header says " + std::to_string(header.data_offset + header.data_size));
  }
  file.commit();
}

}  // namespace qtx::convert
