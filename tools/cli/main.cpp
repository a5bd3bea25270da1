// qtx: convert, run, inspect. Subcommands live one to a file beside this one.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "qtx/error.h"
#include "tools/cli/commands.h"

namespace {

// Usage errors (unknown or out-of-range options, missing files) exit 2, as is the Unix
// convention; failures of the work itself exit 1; --help exits 0.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"qtx: INT8 inference for transformers"};
  app.require_subcommand(1);
  qtx::cli::add_convert_command(app);
  qtx::cli::add_run_command(app);
  qtx::cli::add_inspect_command(app);
  qtx::cli::add_eval_command(app);
  qtx::cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  } catch (const qtx::Error& e) {
    std::cerr << "qtx: error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    // The operating system or the allocator refused (std::filesystem, std::bad_alloc).
    std::cerr << "qtx: error: " << e.what() << "\n";
    return kExitFailure;
  }
  return 0;
}
