// The qtx subcommands, one file each. Each registers its options and a callback on `app`;
// the callback throws qtx::Error for failures (exit 1) and CLI::ValidationError for bad
// option combinations (exit 2).
#pragma once

#include <CLI/CLI.hpp>

namespace qtx::cli {

void add_convert_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace qtx::cli
