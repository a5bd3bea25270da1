// Checkpoint directory -> ModelDef -> .qtx file: the float path of the converter. A
// sentence-transformers folder (modules.json) converts its Transformer module headless and adds
// its Pooling, Dense and Normalize modules and max_seq_length (models/sentence_transformers.h). The
// architecture's builder (models/registry.h) makes the float32 graph; this adds the tokenizer
// (converter/tokenizer_files.h) and, for float16, stores the large matrices (Linear weights,
// embedding tables) as F16 while LayerNorm parameters, biases and gate weights stay F32.
// With QuantizeOptions it quantizes instead (converter/quant_recipe.h): static recipes first
// calibrate the float model (converter/calib_runner.h), then the graph is rewritten
// (converter/quantize.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "converter/quant_recipe.h"
#include "engine/graph/model_def.h"

namespace qtx::convert {

struct ConvertOptions {
  DType dtype = DType::F32;  // F32 or F16 weights
  // "" = from config.json ("attn_softmax"), "vanilla", or "clipped(gamma:zeta)".
  std::string softmax;
  // Empty (quantize.requested() false): a float model. Quantization needs dtype F32.
  QuantizeOptions quantize;
  // Told each step as it starts ("reading checkpoint", ...); may be empty.
  std::function<void(const std::string&)> progress;
};

ModelDef build_model(const std::filesystem::path& checkpoint_dir, const ConvertOptions& options);

// build_model, then write_qtx (converter/qtx_writer.h) to `out`.
void convert_checkpoint(const std::filesystem::path& checkpoint_dir,
                        const std::filesystem::path& out, const ConvertOptions& options);

}  // namespace qtx::convert
