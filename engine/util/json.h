// A small JSON value with a strict parser (RFC 8259) and a writer. Used for config.json,
// tokenizer files, safetensors headers, and the CLI's --json output. Parse errors name the
// source (file name) and the line and column.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace qtx {

class Json {
 public:
  using Array = std::vector<Json>;
  // Keys in insertion order, as written in the file (and as the writer emits them).
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : value_(b) {}
  Json(double d) : value_(d) {}
  Json(int i) : value_(static_cast<double>(i)) {}
  Json(int64_t i) : value_(static_cast<double>(i)) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}

  // Throws qtx::Error(kInvalidFile) naming `source`, line and column on malformed input.
  // Nesting deeper than 512 levels is refused (a hostile file cannot overflow the stack).
  static Json parse(std::string_view text, std::string_view source);
  static Json parse_file(const std::string& path);

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }
  bool is_bool() const { return std::holds_alternative<bool>(value_); }
  bool is_number() const { return std::holds_alternative<double>(value_); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }

  // Typed access; a wrong type throws qtx::Error(kInvalidFile) saying what was expected.
  bool as_bool() const;
  double as_number() const;
  int64_t as_int() const;  // refuses non-integral numbers and values outside int64
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;

  // Object members: find returns nullptr when absent; at throws naming the key.
  const Json* find(std::string_view key) const;
  const Json& at(std::string_view key) const;
  // Appends (objects only; turns a null into an object).
  Json& set(std::string key, Json value);
  // Appends (arrays only; turns a null into an array).
  Json& push_back(Json value);

  // Compact when indent < 0, else pretty-printed. Non-finite numbers are written as null.
  std::string dump(int indent = -1) const;

 private:
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> value_{nullptr};
};

}  // namespace qtx
