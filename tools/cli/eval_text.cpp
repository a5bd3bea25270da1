#include "tools/cli/eval_text.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/format/qtx_loader.h"
#include "engine/text/tokenizer_factory.h"
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

std::unique_ptr<text::Tokenizer> load_tokenizer(const std::string& qtx_path) {
  const std::shared_ptr<const ModelDef> def = load_qtx(qtx_path);
  if (!def->desc.tokenizer) {
    throw Error(ErrorCode::kInvalidFile, qtx_path + ": the model file has no tokenizer");
  }
  return text::make_tokenizer(*def->desc.tokenizer);
}

std::vector<int32_t> read_token_stream(const std::string& path, const text::Tokenizer& tokenizer) {
  std::vector<int32_t> stream = tokenizer.encode(read_text(path));
  if (stream.empty()) {
    throw Error(ErrorCode::kInvalidArgument, path + ": the text file has no tokens to evaluate");
  }
  return stream;
}

void require_same_vocabulary(const text::Tokenizer& a, const std::string& a_name,
                             const text::Tokenizer& b, const std::string& b_name) {
  const std::string context = "compare: " + a_name + " and " + b_name;
  if (a.vocab_size() != b.vocab_size()) {
    throw Error(ErrorCode::kInvalidArgument, context + " have different vocabularies (" +
                                                 std::to_string(a.vocab_size()) + " vs " +
                                                 std::to_string(b.vocab_size()) + " tokens)");
  }
  for (size_t id = 0; id < a.vocab_size(); ++id) {
    const auto token_id = static_cast<int32_t>(id);
    if (a.token(token_id) != b.token(token_id)) {
      throw Error(ErrorCode::kInvalidArgument, context + " have different vocabularies (token " +
                                                   std::to_string(id) + ": '" + a.token(token_id) +
                                                   "' vs '" + b.token(token_id) + "')");
    }
  }
}

}  // namespace qtx::cli
