// The JSON writer: compact or indented, integers without a fraction, shortest round-trip floats.
#include <charconv>
#include <cmath>
#include <string>

#include "engine/util/json.h"

namespace qtx {
namespace {

void write_string(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void write_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buffer[32];
  // Integers exactly representable in a double are written without a fraction ("3", not "3.0").
  constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
  std::to_chars_result result;
  if (d == std::trunc(d) && std::abs(d) <= kExactIntegerLimit) {
    result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(d));
  } else {
    result = std::to_chars(buffer, buffer + sizeof buffer, d);  // shortest round-trip form
  }
  out.append(buffer, result.ptr);
}

void newline(std::string& out, int indent, int level) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

void write_value(std::string& out, const Json& j, int indent, int level);

void write_array(std::string& out, const Json::Array& items, int indent, int level) {
  if (items.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    newline(out, indent, level + 1);
    write_value(out, items[i], indent, level + 1);
  }
  newline(out, indent, level);
  out += ']';
}

void write_object(std::string& out, const Json::Object& members, int indent, int level) {
  if (members.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) out += ',';
    newline(out, indent, level + 1);
    write_string(out, members[i].first);
    out += indent < 0 ? ":" : ": ";
    write_value(out, members[i].second, indent, level + 1);
  }
  newline(out, indent, level);
  out += '}';
}

void write_value(std::string& out, const Json& j, int indent, int level) {
  if (j.is_null()) {
    out += "null";
  } else if (j.is_bool()) {
    out += j.as_bool() ? "true" : "false";
  } else if (j.is_number()) {
    write_number(out, j.as_number());
  } else if (j.is_string()) {
    write_string(out, j.as_string());
  } else if (j.is_array()) {
    write_array(out, j.as_array(), indent, level);
  } else {
    write_object(out, j.as_object(), indent, level);
  }
}

}  // namespace

std::string Json::dump(int indent) const {
  std::string out;
  write_value(out, *this, indent, 0);
  return out;
}

}  // namespace qtx
