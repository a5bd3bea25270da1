// Writes a ModelDef as a .qtx file (engine/format/file_header.h): the header, the description
// packed as a FlatBuffer, then every constant's bytes at 64-byte-aligned offsets in the data
// section. The file appears atomically: a failure leaves any existing file at `out` untouched.
#pragma once

#include <filesystem>

#include "engine/graph/model_def.h"

namespace qtx::convert {

// Assigns data offsets and sizes, sets the producer, checks the result as the loader will (a
// file qtx writes always loads) and writes it. `model` itself is not modified.
void write_qtx(const ModelDef& model, const std::filesystem::path& out);

}  // namespace qtx::convert
