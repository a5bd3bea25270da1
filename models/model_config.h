// Typed, bounded access to a Hugging Face config.json. Every value a builder uses is read
// through here so that a missing key, a wrong type or an absurd size (a hostile config asking
// for a 10^12-row table) is an error naming the file and the key, before anything is allocated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/util/json.h"
#include "qtx/error.h"

namespace qtx::models {

class ModelConfig {
 public:
  ModelConfig(Json json, std::string source);
  // Reads <dir>/config.json.
  static ModelConfig read(const std::filesystem::path& checkpoint_dir);
  // Reads any JSON object file (a sentence-transformers module's config).
  static ModelConfig read_file(const std::filesystem::path& file);

  bool has(std::string_view key) const;
  // Required integers within [min, max].
  int64_t integer(std::string_view key, int64_t min, int64_t max) const;
  int64_t integer_or(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
  double number_or(std::string_view key, double fallback) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  // The raw member (nullptr when absent), for structured values such as id2label.
  const Json* find(std::string_view key) const;

  const std::string& source() const { return source_; }
  // An error about `key` of this config: "<source>: key 'K': <what>".
  [[noreturn]] void fail(ErrorCode code, std::string_view key, const std::string& what) const;

 private:
  Json json_;
  std::string source_;
};

}  // namespace qtx::models
