#include "tools/cli/eval_text.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtx/error.h"

namespace qtx::cli {
namespace {

constexpr std::uintmax_t kMaxTextBytes = std::uintmax_t{1} << 30;

std::string read_text(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::kIo, path + ": cannot read the text file: " + ec.message());
  if (size > kMaxTextBytes) {
    throw Error(ErrorCode::kInvalidArgument, path + ": the text file has " + std::to_string(size) +
                                                 " bytes; the limit is 1 GiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open the text file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": reading the text file failed");
  return std::move(text).str();
}

}  // namespace

std::vector<int32_t> read_token_stream(const std::string& path, const Model& model) {
  std::vector<int32_t> stream = model.encode_unframed(read_text(path));
  if (stream.empty()) {
    throw Error(ErrorCode::kInvalidArgument, path + ": the text file has no tokens to evaluate");
  }
  return stream;
}

void require_same_vocabulary(const Model& a, const Model& b) {
  const std::string context = "compare: " + a.path() + " and " + b.path();
  if (a.tokenizer_size() != b.tokenizer_size()) {
    throw Error(ErrorCode::kInvalidArgument, context + " have different vocabularies (" +
                                                 std::to_string(a.tokenizer_size()) + " vs " +
                                                 std::to_string(b.tokenizer_size()) + " tokens)");
  }
  for (int64_t id = 0; id < a.tokenizer_size(); ++id) {
    const auto token_id = static_cast<int32_t>(id);
    if (a.token(token_id) != b.token(token_id)) {
      throw Error(ErrorCode::kInvalidArgument, context + " have different vocabularies (token " +
                                                   std::to_string(id) + ": '" + a.token(token_id) +
                                                   "' vs '" + b.token(token_id) + "')");
    }
  }
}

}  // namespace qtx::cli
