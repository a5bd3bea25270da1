// qtx: convert, run, inspect. Subcommands live one to a file beside this one.
#include <CLI/CLI.hpp>

#include <iostream>

#include "qtx/error.h"

int main(int argc, char** argv) {
  CLI::App app{"qtx: INT8 inference for transformers"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const qtx::Error& e) {
    std::cerr << "qtx: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
