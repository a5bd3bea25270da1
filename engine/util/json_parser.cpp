// The JSON parser: strict RFC 8259 over UTF-8 text, errors with source, line and column.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unordered_set>

#include "engine/util/json.h"
#include "qtx/error.h"

namespace qtx {
namespace {

constexpr int kMaxDepth = 512;
// Config and tokenizer files are kilobytes to a few megabytes; anything far larger is not one.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A recursive-descent parser over the whole text. Recursion is bounded by kMaxDepth, so a

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Json parse_document() {
    skip_whitespace();
    Json value = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("unexpected data after the JSON value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw Error(ErrorCode::kInvalidFile, std::string(source_) + ":" + std::to_string(line) + ":" +
                                             std::to_string(column) + ": JSON: " + what);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_whitespace() {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  void expect(char c) {
    if (peek() != c || at_end()) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  void expect_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("invalid literal");
    pos_ += word.size();
  }

  Json parse_value(int depth) {
    if (at_end()) fail("unexpected end of input");
    switch (peek()) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"':
        return Json(parse_string());
      case 't':
        expect_literal("true");
        return Json(true);
      case 'f':
        expect_literal("false");
        return Json(false);
      case 'n':
        expect_literal("null");
        return Json();
      default:
        return Json(parse_number());
    }
  }

  void check_depth(int depth) const {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
  }

  Json parse_array(int depth) {
    check_depth(depth);
    expect('[');
    Json::Array items;
    skip_whitespace();
    if (peek() == ']' && !at_end()) {
      ++pos_;
      return Json(std::move(items));
    }
    while (true) {
      skip_whitespace();
      items.push_back(parse_value(depth));
      skip_whitespace();
      if (peek() == ',' && !at_end()) {
        ++pos_;
        continue;
      }
      expect(']');
      return Json(std::move(items));
    }
  }

  Json parse_object(int depth) {
    check_depth(depth);
    expect('{');
    Json::Object members;
    std::unordered_set<std::string> keys;
    skip_whitespace();
    if (peek() == '}' && !at_end()) {
      ++pos_;
      return Json(std::move(members));
    }
    while (true) {
      skip_whitespace();
      if (peek() != '"' || at_end()) fail("expected a string key");
      const size_t key_pos = pos_;
      std::string key = parse_string();
      // Duplicate keys make a file ambiguous (which tensor, which token?): refuse them.
      if (!keys.insert(key).second) {
        pos_ = key_pos;
        fail("duplicate key \"" + key + "\"");
      }
      skip_whitespace();
      expect(':');
      skip_whitespace();
      Json value = parse_value(depth);
      members.emplace_back(std::move(key), std::move(value));
      skip_whitespace();
      if (peek() == ',' && !at_end()) {
        ++pos_;
        continue;
      }
      expect('}');
      return Json(std::move(members));
    }
  }

  uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        --pos_;
        fail("invalid hex digit in \\u escape");
      }
    }
    return value;
  }

  // \uXXXX, with UTF-16 surrogate pairs combined; a lone surrogate is not a character.
  void parse_unicode_escape(std::string& out) {
    uint32_t cp = parse_hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") fail("unpaired high surrogate in \\u escape");
      pos_ += 2;
      const uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  void parse_escape(std::string& out) {
    if (at_end()) fail("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        parse_unicode_escape(out);
        return;
      default:
        --pos_;
        fail("invalid escape character");
    }
  }

  // Copies one raw UTF-8 sequence, refusing overlong forms, surrogates and values past U+10FFFF.
  void copy_utf8_sequence(std::string& out) {
    const auto lead = static_cast<unsigned char>(text_[pos_]);
    // Lead bytes C0, C1 and F5..FF never start a valid sequence.
    size_t length = 4;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
    } else if (lead < 0xF0 || lead > 0xF4) {
      fail("invalid UTF-8 byte in string");
    }
    static constexpr uint32_t kLeadMask[] = {0, 0, 0x1F, 0x0F, 0x07};
    static constexpr uint32_t kMinCodePoint[] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t cp = lead & kLeadMask[length];
    const uint32_t min_cp = kMinCodePoint[length];
    if (text_.size() - pos_ < length) fail("truncated UTF-8 sequence in string");
    for (size_t i = 1; i < length; ++i) {
      const auto b = static_cast<unsigned char>(text_[pos_ + i]);
      if ((b & 0xC0) != 0x80) fail("invalid UTF-8 continuation byte in string");
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid UTF-8 sequence in string");
    }
    out.append(text_.substr(pos_, length));
    pos_ += length;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        ++pos_;
        parse_escape(out);
      } else if (c < 0x20) {
        fail("unescaped control character in string");
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
      } else {
        copy_utf8_sequence(out);
      }
    }
  }

  void skip_digits() {
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
  }

  bool at_digit() const { return !at_end() && peek() >= '0' && peek() <= '9'; }

  // Whether a grammatically valid number that from_chars could not represent is below the
  // double range (rather than above it): the sign of its decimal exponent once normalised.
  static bool is_tiny(std::string_view number) {
    const size_t e = number.find_first_of("eE");
    const std::string_view mantissa = number.substr(0, e);
    int64_t exponent = 0;
    if (e != std::string_view::npos) {
      std::string_view digits = number.substr(e + 1);
      const bool negative = !digits.empty() && digits[0] == '-';
      if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
      for (const char c : digits) {
        exponent = std::min<int64_t>(exponent * 10 + (c - '0'), int64_t{1} << 40);
      }
      if (negative) exponent = -exponent;
    }
    // Position of the first significant digit relative to the decimal point.
    const size_t point = std::min(mantissa.find('.'), mantissa.size());
    const size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return true;  // all zeros
    const int64_t magnitude = first < point ? static_cast<int64_t>(point - first)
                                            : -static_cast<int64_t>(first - point) + 1;
    return exponent + magnitude <= 0;
  }

  // The RFC 8259 number grammar checked first, then converted by from_chars.
  double parse_number() {
    const size_t start = pos_;
    if (peek() == '-' && !at_end()) ++pos_;
    if (!at_digit()) fail("invalid value");
    if (peek() == '0') {
      ++pos_;
      if (at_digit()) fail("leading zero in number");
    } else {
      skip_digits();
    }
    if (peek() == '.' && !at_end()) {
      ++pos_;
      if (!at_digit()) fail("expected a digit after the decimal point");
      skip_digits();
    }
    if ((peek() == 'e' || peek() == 'E') && !at_end()) {
      ++pos_;
      if ((peek() == '+' || peek() == '-') && !at_end()) ++pos_;
      if (!at_digit()) fail("expected a digit in the exponent");
      skip_digits();
    }
    double value = 0;
    const char* first = text_.data() + start;
    const auto [end, ec] = std::from_chars(first, text_.data() + pos_, value);
    if (ec == std::errc::result_out_of_range) {
      // Underflow to zero is harmless; overflow to infinity is not a JSON number.
      if (!is_tiny(text_.substr(start, pos_ - start))) {
        pos_ = start;
        fail("number out of range");
      }
      value = 0.0;
    } else if (ec != std::errc() || end != text_.data() + pos_) {
      pos_ = start;
      fail("invalid number");
    }
    return value;
  }

  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
};

}  // namespace

Json Json::parse(std::string_view text, std::string_view source) {
  return Parser(text, source).parse_document();
}

Json Json::parse_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot open " + path + ": " + ec.message());
  if (size > kMaxFileBytes) {
    throw Error(ErrorCode::kInvalidFile,
                path + ": JSON file of " + std::to_string(size) + " bytes is too large");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  return parse(text, path);
}

}  // namespace qtx
