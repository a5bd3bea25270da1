#include "engine/text/utf8.h"

#include "qtx/error.h"

namespace qtx::text::utf8 {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Length of the valid UTF-8 sequence starting at bytes[pos], its code point in *code; or the
// negated length of the longest prefix that could still have been valid (at least 1), which
// is what one replacement character stands for.
int scan_sequence(std::string_view bytes, size_t pos, char32_t* code) {
  const auto lead = static_cast<unsigned char>(bytes[pos]);
  if (lead < 0x80) {
    *code = lead;
    return 1;
  }
  int length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return -1;
  }
  char32_t value = lead & (0x7F >> length);
  for (int i = 1; i < length; ++i) {
    if (pos + static_cast<size_t>(i) >= bytes.size()) return -i;
    const auto byte = static_cast<unsigned char>(bytes[pos + static_cast<size_t>(i)]);
    const unsigned char min = i == 1 ? low : 0x80;
    const unsigned char max = i == 1 ? high : 0xBF;
    if (byte < min || byte > max) return -i;
    value = (value << 6) | (byte & 0x3F);
  }
  *code = value;
  return length;
}

}  // namespace

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    char32_t code = 0;
    const int length = scan_sequence(text, pos, &code);
    if (length < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "text is not valid UTF-8 at byte " + std::to_string(pos));
    }
    out.push_back(code);
    pos += static_cast<size_t>(length);
  }
  return out;
}

void append(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append(c, out);
  return out;
}

std::string repair_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    char32_t code = 0;
    const int length = scan_sequence(bytes, pos, &code);
    if (length > 0) {
      out.append(bytes.substr(pos, static_cast<size_t>(length)));
      pos += static_cast<size_t>(length);
    } else {
      append(kReplacement, out);
      pos += static_cast<size_t>(-length);
    }
  }
  return out;
}

}  // namespace qtx::text::utf8
