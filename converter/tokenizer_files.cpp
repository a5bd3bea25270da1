#include "converter/tokenizer_files.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/json.h"
#include "engine/util/mapped_file.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

namespace fs = std::filesystem;

// Vocabularies and merge lists are a few MB; anything far larger is not a tokenizer file.
constexpr size_t kMaxTextFileBytes = size_t{512} << 20;

Error invalid(const fs::path& file, const std::string& message) {
  return Error(ErrorCode::kInvalidFile, file.string() + ": " + message);
}

// The file's lines without their "\n" or "\r\n"; no empty last line for a final newline.
std::vector<std::string> read_lines(const fs::path& file) {
  const auto mapped = MappedFile::open(file);
  if (mapped->size() > kMaxTextFileBytes) {
    throw invalid(file, "file of " + std::to_string(mapped->size()) + " bytes is too large");
  }
  const std::string_view text(reinterpret_cast<const char*>(mapped->data()), mapped->size());
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

std::optional<Json> read_optional_json(const fs::path& file) {
  if (!fs::exists(file)) return std::nullopt;
  return Json::parse_file(file.string());
}

// {"token": id, ...} with ids 0..n-1, each exactly once (vocab.json, tokenizer.json's
// model.vocab).
std::vector<std::string> vocab_of(const Json& json, const fs::path& file) {
  if (!json.is_object()) throw invalid(file, "expected an object of token: id");
  const Json::Object& entries = json.as_object();
  std::vector<std::string> vocab(entries.size());
  std::vector<bool> seen(entries.size(), false);
  for (const auto& [token, value] : entries) {
    if (!value.is_number()) throw invalid(file, "token '" + token + "' has no integer id");
    const int64_t id = value.as_int();
    if (id < 0 || static_cast<uint64_t>(id) >= entries.size()) {
      throw invalid(file, "token '" + token + "' has id " + std::to_string(id) + ", outside 0.." +
                              std::to_string(entries.size() - 1));
    }
    if (seen[static_cast<size_t>(id)]) {
      throw invalid(file, "id " + std::to_string(id) + " is given to two tokens");
    }
    seen[static_cast<size_t>(id)] = true;
    vocab[static_cast<size_t>(id)] = token;
  }
  return vocab;
}

std::vector<std::string> read_vocab_json(const fs::path& file) {
  return vocab_of(Json::parse_file(file.string()), file);
}

// merges.txt: "#version" header lines, then one "left right" pair a line in rank order.
std::vector<std::string> read_merges(const fs::path& file) {
  std::vector<std::string> merges;
  const std::vector<std::string> lines = read_lines(file);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with("#version") || line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      throw invalid(file, "line " + std::to_string(i + 1) + " is not a merge 'left right'");
    }
    merges.push_back(line);
  }
  return merges;
}

// A boolean member of a JSON object; `fallback` when absent or null.
bool json_flag(const Json& object, std::string_view key, bool fallback, const fs::path& file) {
  const Json* value = object.find(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (!value->is_bool()) throw invalid(file, std::string(key) + " must be true or false");
  return value->as_bool();
}

// Configuration from tokenizer_config.json, with special_tokens_map.json's tokens first.
class TokenizerConfig {
 public:
  explicit TokenizerConfig(const fs::path& dir)
      : config_path_(dir / "tokenizer_config.json"),
        map_path_(dir / "special_tokens_map.json"),
        config_(read_optional_json(config_path_)),
        map_(read_optional_json(map_path_)) {
    if (config_ && !config_->is_object()) throw invalid(config_path_, "expected an object");
    if (map_ && !map_->is_object()) throw invalid(map_path_, "expected an object");
  }

  bool flag(std::string_view key, bool fallback) const {
    return config_ ? json_flag(*config_, key, fallback, config_path_) : fallback;
  }

  // The token's text: a string, an AddedToken object {"content": ..}, or none (null).
  std::optional<std::string> special_token(std::string_view key,
                                           std::optional<std::string> fallback) const {
    if (map_) {
      if (const Json* value = map_->find(key)) return token_text(*value, map_path_, key);
    }
    if (config_) {
      if (const Json* value = config_->find(key)) return token_text(*value, config_path_, key);
    }
    return fallback;
  }

  // added_tokens_decoder: {"id": {"content": .., ..}}; (id, content) pairs.
  std::vector<std::pair<int64_t, std::string>> added_tokens() const {
    std::vector<std::pair<int64_t, std::string>> tokens;
    const Json* decoder = config_ ? config_->find("added_tokens_decoder") : nullptr;
    if (decoder == nullptr) return tokens;
    if (!decoder->is_object())
      throw invalid(config_path_, "added_tokens_decoder must be an object");
    for (const auto& [key, value] : decoder->as_object()) {
      const std::optional<int64_t> id = parse_id(key);
      if (!id) throw invalid(config_path_, "added_tokens_decoder key '" + key + "' is not an id");
      const std::optional<std::string> text = token_text(value, config_path_, key);
      if (!text) throw invalid(config_path_, "added token " + key + " has no content");
      tokens.emplace_back(*id, *text);
    }
    return tokens;
  }

  const fs::path& config_path() const { return config_path_; }

 private:
  static std::optional<std::string> token_text(const Json& value, const fs::path& file,
                                               std::string_view key) {
    if (value.is_null()) return std::nullopt;
    if (value.is_string()) return value.as_string();
    if (value.is_object()) {
      const Json* content = value.find("content");
      if (content != nullptr && content->is_string()) return content->as_string();
    }
    throw invalid(file, std::string(key) + " must be a token string or {\"content\": ...}");
  }

  static std::optional<int64_t> parse_id(const std::string& key) {
    if (key.empty() || key.size() > 10) return std::nullopt;
    int64_t id = 0;
    for (char c : key) {
      if (c < '0' || c > '9') return std::nullopt;
      id = id * 10 + (c - '0');
    }
    return id;
  }

  fs::path config_path_;
  fs::path map_path_;
  std::optional<Json> config_;
  std::optional<Json> map_;
};

int32_t find_token(const std::vector<std::string>& vocab, const std::string& token) {
  const auto it = std::find(vocab.rbegin(), vocab.rend(), token);
  return it == vocab.rend() ? -1 : static_cast<int32_t>(vocab.rend() - it - 1);
}

// The id of a named special token ("cls_token"), -1 when the tokenizer has none.
int32_t special_id(const TokenizerConfig& config, const std::vector<std::string>& vocab,
                   const fs::path& vocab_file, std::string_view key,
                   std::optional<std::string> fallback) {
  const std::optional<std::string> text = config.special_token(key, std::move(fallback));
  if (!text) return -1;
  const int32_t id = find_token(vocab, *text);
  if (id < 0) {
    throw invalid(vocab_file, std::string(key) + " '" + *text + "' is not in the vocabulary");
  }
  return id;
}

// Added tokens must already be in the vocabulary at their id (as in both model families); one
// at the next id extends it, as Hugging Face's added vocabulary does.
std::vector<int32_t> add_added_tokens(const TokenizerConfig& config,
                                      std::vector<std::string>& vocab) {
  std::vector<int32_t> ids;
  for (const auto& [id, text] : config.added_tokens()) {
    if (static_cast<uint64_t>(id) == vocab.size()) {
      vocab.push_back(text);
    } else if (static_cast<uint64_t>(id) > vocab.size() || vocab[static_cast<size_t>(id)] != text) {
      throw invalid(config.config_path(), "added token '" + text + "' has id " +
                                              std::to_string(id) +
                                              ", which the vocabulary gives another token");
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

void sort_unique(std::vector<int32_t>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

void fill_special_tokens(const TokenizerConfig& config, const fs::path& vocab_file, bool bert,
                         fb::TokenizerT& table) {
  using Text = std::optional<std::string>;
  const Text gpt2_text = bert ? Text() : Text("<|endoftext|>");
  auto bert_default = [&](const char* text) { return bert ? Text(text) : Text(); };
  table.special_tokens = add_added_tokens(config, table.vocab);
  table.unk_id =
      special_id(config, table.vocab, vocab_file, "unk_token", bert ? Text("[UNK]") : gpt2_text);
  table.cls_id = special_id(config, table.vocab, vocab_file, "cls_token", bert_default("[CLS]"));
  table.sep_id = special_id(config, table.vocab, vocab_file, "sep_token", bert_default("[SEP]"));
  table.pad_id = special_id(config, table.vocab, vocab_file, "pad_token", bert_default("[PAD]"));
  table.mask_id = special_id(config, table.vocab, vocab_file, "mask_token", bert_default("[MASK]"));
  table.bos_id = special_id(config, table.vocab, vocab_file, "bos_token", gpt2_text);
  table.eos_id = special_id(config, table.vocab, vocab_file, "eos_token", gpt2_text);
  for (int32_t id : {table.unk_id, table.cls_id, table.sep_id, table.pad_id, table.mask_id,
                     table.bos_id, table.eos_id}) {
    if (id >= 0) table.special_tokens.push_back(id);
  }
  sort_unique(table.special_tokens);
}

std::unique_ptr<fb::TokenizerT> read_wordpiece(const fs::path& dir) {
  const TokenizerConfig config(dir);
  auto table = std::make_unique<fb::TokenizerT>();
  const fs::path vocab_file = dir / "vocab.txt";
  table->vocab = read_lines(vocab_file);
  fb::WordPieceT model;
  model.lowercase = config.flag("do_lower_case", true);
  // strip_accents: null follows lowercase (BertNormalizer).
  model.strip_accents = config.flag("strip_accents", model.lowercase);
  model.tokenize_chinese_chars = config.flag("tokenize_chinese_chars", true);
  model.max_input_chars_per_word = 100;
  model.continuing_subword_prefix = "##";
  table->model.Set(std::move(model));
  fill_special_tokens(config, vocab_file, true, *table);
  return table;
}

// A member of a tokenizer.json object, or kInvalidFile naming it.
const Json& member(const Json& object, std::string_view key, const fs::path& file) {
  const Json* value = object.is_object() ? object.find(key) : nullptr;
  if (value == nullptr) throw invalid(file, "no \"" + std::string(key) + "\"");
  return *value;
}

// An object's "type" ("" when it has none).
std::string type_of(const Json& object) {
  const Json* type = object.is_object() ? object.find("type") : nullptr;
  return type != nullptr && type->is_string() ? type->as_string() : "";
}

// tokenizer.json's normalizer: BertNormalizer, alone or after a Lowercase (which
// sentence-transformers' do_lower_case adds; the model's lowercase_text then).
void read_bert_normalizer(const Json& normalizer, const fs::path& file, fb::WordPieceT& model,
                          bool& lowercase_text) {
  const Json* bert = &normalizer;
  if (type_of(normalizer) == "Sequence") {
    const Json& steps = member(normalizer, "normalizers", file);
    const bool lowercase_first = steps.is_array() && steps.as_array().size() == 2 &&
                                 type_of(steps.as_array()[0]) == "Lowercase";
    if (!lowercase_first) {
      throw Error(ErrorCode::kUnsupported,
                  file.string() + ": normalizer Sequence (qtx reads Lowercase, BertNormalizer)");
    }
    lowercase_text = true;
    bert = &steps.as_array()[1];
  }
  if (type_of(*bert) != "BertNormalizer") {
    throw Error(ErrorCode::kUnsupported, file.string() + ": normalizer '" + type_of(*bert) +
                                             "' (qtx's WordPiece reads BertNormalizer)");
  }
  model.lowercase = json_flag(*bert, "lowercase", true, file);
  model.strip_accents = json_flag(*bert, "strip_accents", model.lowercase, file);
  model.tokenize_chinese_chars = json_flag(*bert, "handle_chinese_chars", true, file);
}

// tokenizer.json of a WordPiece model (transformers 5 writes only this file): vocabulary,
// normalizer and added tokens; the special-token names come from tokenizer_config.json as for
// vocab.txt. Anything but BERT's pre-tokenizer and framing is refused rather than guessed.
std::unique_ptr<fb::TokenizerT> read_wordpiece_json(const fs::path& dir) {
  const fs::path file = dir / "tokenizer.json";
  const Json json = Json::parse_file(file.string());
  const Json& model_json = member(json, "model", file);
  if (type_of(model_json) != "WordPiece") {
    throw Error(ErrorCode::kUnsupported, file.string() + ": model type '" + type_of(model_json) +
                                             "' (qtx reads WordPiece here, byte-level BPE from "
                                             "vocab.json and merges.txt)");
  }
  const Json* pre = json.find("pre_tokenizer");
  if (pre == nullptr || type_of(*pre) != "BertPreTokenizer") {
    throw Error(ErrorCode::kUnsupported, file.string() + ": pre_tokenizer is not BertPreTokenizer");
  }
  const TokenizerConfig config(dir);
  auto table = std::make_unique<fb::TokenizerT>();
  table->vocab = vocab_of(member(model_json, "vocab", file), file);
  fb::WordPieceT model;
  read_bert_normalizer(member(json, "normalizer", file), file, model, table->lowercase_text);
  const Json* prefix = model_json.find("continuing_subword_prefix");
  model.continuing_subword_prefix = prefix && prefix->is_string() ? prefix->as_string() : "##";
  const Json* max_chars = model_json.find("max_input_chars_per_word");
  model.max_input_chars_per_word =
      max_chars && max_chars->is_number() ? static_cast<int32_t>(max_chars->as_int()) : 100;
  table->model.Set(std::move(model));
  fill_special_tokens(config, file, true, *table);
  const Json& added = member(json, "added_tokens", file);
  if (!added.is_array()) throw invalid(file, "added_tokens must be a list");
  for (const Json& token : added.as_array()) {
    const Json& id = member(token, "id", file);
    const Json& content = member(token, "content", file);
    if (!id.is_number() || !content.is_string() || id.as_int() < 0 ||
        static_cast<uint64_t>(id.as_int()) >= table->vocab.size() ||
        table->vocab[static_cast<size_t>(id.as_int())] != content.as_string()) {
      throw invalid(file, "added token " + token.dump() + " does not match the vocabulary");
    }
    if (json_flag(token, "special", false, file)) {
      table->special_tokens.push_back(static_cast<int32_t>(id.as_int()));
    }
  }
  sort_unique(table->special_tokens);
  return table;
}

std::unique_ptr<fb::TokenizerT> read_byte_bpe(const fs::path& dir) {
  const TokenizerConfig config(dir);
  auto table = std::make_unique<fb::TokenizerT>();
  const fs::path vocab_file = dir / "vocab.json";
  table->vocab = read_vocab_json(vocab_file);
  fb::BytePairEncodingT model;
  model.merges = read_merges(dir / "merges.txt");
  model.add_prefix_space = config.flag("add_prefix_space", false);
  model.add_bos = config.flag("add_bos_token", false);
  table->model.Set(std::move(model));
  fill_special_tokens(config, vocab_file, false, *table);
  return table;
}

}  // namespace

std::unique_ptr<fb::TokenizerT> read_tokenizer(const fs::path& checkpoint_dir) {
  if (fs::exists(checkpoint_dir / "vocab.json") || fs::exists(checkpoint_dir / "merges.txt")) {
    return read_byte_bpe(checkpoint_dir);
  }
  if (fs::exists(checkpoint_dir / "vocab.txt")) return read_wordpiece(checkpoint_dir);
  if (fs::exists(checkpoint_dir / "tokenizer.json")) return read_wordpiece_json(checkpoint_dir);
  throw Error(ErrorCode::kInvalidFile,
              checkpoint_dir.string() +
                  ": no tokenizer files (vocab.txt or tokenizer.json for WordPiece, or "
                  "vocab.json and merges.txt for byte-level BPE)");
}

}  // namespace qtx::convert
