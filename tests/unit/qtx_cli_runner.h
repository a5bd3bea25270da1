// Runs the qtx command line (QTX_CLI_PATH) from a test: exit code, stdout and stderr, for the
// CLI tests (cli_test.cpp, eval_test.cpp, bench_test.cpp).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/golden/checkpoint_fixture.h"

namespace qtx::testing {

struct QtxRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quoted(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// stdout comes through the pipe, stderr through a file of a temporary directory.
inline QtxRun run_qtx(const std::vector<std::string>& args) {
  TempDir temp("qtx-run");
  const std::filesystem::path err = temp.path() / "stderr";
  std::string command = shell_quoted(QTX_CLI_PATH);
  // append() rather than operator+ on literals: g++ 12 warns falsely (-Wrestrict) on the latter.
  for (const std::string& a : args) command.append(" ").append(shell_quoted(a));
  command.append(" 2>").append(shell_quoted(err.string()));
  QtxRun result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.out.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.err = file_text(err);
  return result;
}

}  // namespace qtx::testing
