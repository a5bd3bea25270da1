// `qtx eval --dump-windows FILE`: the exact inputs, scored positions and targets of an eval
// run as JSON, so another implementation (tests/tools/check_perplexity.py runs Hugging Face)
// can score the very same masks and windows.
#pragma once

#include <span>
#include <string>

#include "tools/cli/scored_window.h"

namespace qtx::cli {

// {"windows": [{"input_ids": [...], "positions": [...], "targets": [...]}, ...]}.
// Throws qtx::Error(kIo) naming the file when it cannot be written.
void write_windows_json(const std::string& path, std::span<const ScoredWindow> windows);

}  // namespace qtx::cli
