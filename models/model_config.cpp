#include "models/model_config.h"

#include <cmath>

namespace qtx::models {

ModelConfig::ModelConfig(Json json, std::string source)
    : json_(std::move(json)), source_(std::move(source)) {
  if (!json_.is_object()) throw Error(ErrorCode::kInvalidFile, source_ + ": not a JSON object");
}

ModelConfig ModelConfig::read(const std::filesystem::path& checkpoint_dir) {
  const auto path = checkpoint_dir / "config.json";
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(ErrorCode::kIo, path.string() + ": no config.json in the checkpoint directory");
  }
  return read_file(path);
}

ModelConfig ModelConfig::read_file(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) {
    throw Error(ErrorCode::kIo, file.string() + ": no such file");
  }
  return ModelConfig(Json::parse_file(file.string()), file.string());
}

void ModelConfig::fail(ErrorCode code, std::string_view key, const std::string& what) const {
  throw Error(code, source_ + ": key '" + std::string(key) + "': " + what);
}

bool ModelConfig::has(std::string_view key) const {
  const Json* value = json_.find(key);
  return value != nullptr && !value->is_null();
}

const Json* ModelConfig::find(std::string_view key) const {
  const Json* value = json_.find(key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

int64_t ModelConfig::integer(std::string_view key, int64_t min, int64_t max) const {
  const Json* value = find(key);
  if (value == nullptr) fail(ErrorCode::kInvalidFile, key, "missing");
  const double number = value->is_number() ? value->as_number() : NAN;
  if (!std::isfinite(number) || number != std::floor(number)) {
    fail(ErrorCode::kInvalidFile, key, "expected an integer, found " + value->dump());
  }
  if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
    fail(ErrorCode::kInvalidFile, key,
         value->dump() + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(number);
}

int64_t ModelConfig::integer_or(std::string_view key, int64_t fallback, int64_t min,
                                int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

double ModelConfig::number_or(std::string_view key, double fallback) const {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) fail(ErrorCode::kInvalidFile, key, "expected a number");
  return value->as_number();
}

bool ModelConfig::boolean_or(std::string_view key, bool fallback) const {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_bool()) fail(ErrorCode::kInvalidFile, key, "expected true or false");
  return value->as_bool();
}

std::string ModelConfig::string_or(std::string_view key, std::string fallback) const {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_string()) fail(ErrorCode::kInvalidFile, key, "expected a string");
  return value->as_string();
}

}  // namespace qtx::models
