#include "engine/util/json.h"

#include <cmath>
#include <string>

#include "qtx/error.h"

namespace qtx {
namespace {

const char* type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_bool()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

[[noreturn]] void throw_type(const Json& j, const char* expected) {
  throw Error(ErrorCode::kInvalidFile,
              std::string("JSON value: expected ") + expected + ", got " + type_name(j));
}

}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) throw_type(*this, "a boolean");
  return std::get<bool>(value_);
}

double Json::as_number() const {
  if (!is_number()) throw_type(*this, "a number");
  return std::get<double>(value_);
}

int64_t Json::as_int() const {
  const double d = as_number();
  // [-2^63, 2^63): both bounds are exact doubles.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (d != std::trunc(d) || d < -kTwoTo63 || d >= kTwoTo63) {
    throw Error(ErrorCode::kInvalidFile, "JSON value: expected an integer, got " + Json(d).dump());
  }
  return static_cast<int64_t>(d);
}

const std::string& Json::as_string() const {
  if (!is_string()) throw_type(*this, "a string");
  return std::get<std::string>(value_);
}

const Json::Array& Json::as_array() const {
  if (!is_array()) throw_type(*this, "an array");
  return std::get<Array>(value_);
}

const Json::Object& Json::as_object() const {
  if (!is_object()) throw_type(*this, "an object");
  return std::get<Object>(value_);
}

const Json* Json::find(std::string_view key) const {
  for (const auto& [name, value] : as_object()) {
    if (name == key) return &value;
  }
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr) {
    throw Error(ErrorCode::kInvalidFile, "JSON object: missing key \"" + std::string(key) + "\"");
  }
  return *value;
}

Json& Json::set(std::string key, Json value) {
  if (is_null()) value_ = Object{};
  if (!is_object()) throw_type(*this, "an object");
  auto& members = std::get<Object>(value_);
  members.emplace_back(std::move(key), std::move(value));
  return members.back().second;
}

Json& Json::push_back(Json value) {
  if (is_null()) value_ = Array{};
  if (!is_array()) throw_type(*this, "an array");
  auto& items = std::get<Array>(value_);
  items.push_back(std::move(value));
  return items.back();
}

}  // namespace qtx
