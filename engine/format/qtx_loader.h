// Loads a .qtx file (engine/format/file_header.h): maps it, checks the header, runs the
// FlatBuffers verifier and then every semantic check (engine/format/model_checks.h) before
// anything trusts the contents. Constants are read-only views into the mapping: no copy.
#pragma once

#include <filesystem>
#include <memory>

#include "engine/graph/model_def.h"

namespace qtx {

// Throws qtx::Error: kIo when the file cannot be read, kInvalidFile for a corrupt or hostile
// file, kUnsupported for a newer format version or an unknown op or dtype; every message
// starts with the file name and names the tensor, node or field at fault.
std::shared_ptr<const ModelDef> load_qtx(const std::filesystem::path& path);

}  // namespace qtx
