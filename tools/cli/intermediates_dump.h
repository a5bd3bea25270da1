// `qtx run --dump-intermediates DIR`: every node's output (and each attention's scores and
// probabilities) of one forward pass over the run's inputs, as float32 .npy files named after
// the node ("layer.0.attention.norm.npy", "layer.0.context.probs.npy"), with manifest.json
// listing them in execution order (name, file, shape). Values are as each node computes them,
// before its own output quantizer (for int8 files). A layer-by-layer comparison with another
// implementation reads these.
#pragma once

#include <filesystem>
#include <vector>

#include "engine/runtime/executor.h"

namespace qtx::cli {

// Creates `dir` for a dump; it must not exist or be empty (nothing a user has is overwritten):
// kInvalidArgument naming it otherwise, before any work is done.
void prepare_dump_directory(const std::filesystem::path& dir);

// Runs `executor` once on `sequences` (token ids, framing included), padded as Session pads
// them, and writes the dump into the prepared `dir`. Throws qtx::Error naming the file on
// failure.
void dump_intermediates(const Executor& executor,
                        const std::vector<std::vector<int32_t>>& sequences,
                        const std::filesystem::path& dir);

}  // namespace qtx::cli
