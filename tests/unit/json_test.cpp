#include "engine/util/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "qtx/error.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;

// Parses `text` expecting failure; returns the error message.
std::string parse_error(std::string_view text) {
  try {
    Json::parse(text, "test.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    return e.what();
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return "";
}

TEST(Json, ParsesScalarsAndContainers) {
  const Json j = Json::parse(R"({"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}})", "t");
  const auto& a = j.at("a").as_array();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].as_int(), 1);
  EXPECT_DOUBLE_EQ(a[1].as_number(), -2.5);
  EXPECT_DOUBLE_EQ(a[2].as_number(), 300.0);
  EXPECT_TRUE(a[3].as_bool());
  EXPECT_FALSE(a[4].as_bool());
  EXPECT_TRUE(a[5].is_null());
  EXPECT_EQ(j.at("b").at("c").as_string(), "d");
  EXPECT_EQ(j.find("zzz"), nullptr);
}

TEST(Json, KeepsKeyOrder) {
  const Json j = Json::parse(R"({"z": 1, "a": 2, "m": 3})", "t");
  const auto& members = j.as_object();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first, "z");
  EXPECT_EQ(members[1].first, "a");
  EXPECT_EQ(members[2].first, "m");
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  const Json j = Json::parse(R"(["\"\\\/\b\f\n\r\t", "\u00e9\u20ac", "\ud83d\ude00", "é"])", "t");
  const auto& a = j.as_array();
  EXPECT_EQ(a[0].as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(a[1].as_string(), "\xC3\xA9\xE2\x82\xAC");  // é €
  EXPECT_EQ(a[2].as_string(), "\xF0\x9F\x98\x80");      // U+1F600
  EXPECT_EQ(a[3].as_string(), "\xC3\xA9");
}

TEST(Json, ErrorsNameSourceLineAndColumn) {
  EXPECT_THAT(parse_error("{\n  \"a\": 1,\n  \"b\" 2\n}"), HasSubstr("test.json:3:7"));
  EXPECT_THAT(parse_error("[1, 2"), HasSubstr("test.json:1:6"));
}

TEST(Json, RefusesMalformedInput) {
  EXPECT_THAT(parse_error(""), HasSubstr("unexpected end"));
  EXPECT_THAT(parse_error("[1,]"), HasSubstr("invalid value"));
  EXPECT_THAT(parse_error("{\"a\":1,}"), HasSubstr("expected a string key"));
  EXPECT_THAT(parse_error("01"), HasSubstr("leading zero"));
  EXPECT_THAT(parse_error("1."), HasSubstr("decimal point"));
  EXPECT_THAT(parse_error("1e"), HasSubstr("exponent"));
  EXPECT_THAT(parse_error("+1"), HasSubstr("invalid value"));
  EXPECT_THAT(parse_error("NaN"), HasSubstr("invalid value"));
  EXPECT_THAT(parse_error("1e999"), HasSubstr("out of range"));
  EXPECT_THAT(parse_error("-0.0001e313"), HasSubstr("out of range"));
  EXPECT_THAT(parse_error("tru"), HasSubstr("invalid literal"));
  EXPECT_THAT(parse_error("\"abc"), HasSubstr("unterminated string"));
  EXPECT_THAT(parse_error("\"a\tb\""), HasSubstr("control character"));
  EXPECT_THAT(parse_error(R"("\x")"), HasSubstr("invalid escape"));
  EXPECT_THAT(parse_error(R"("\u12g4")"), HasSubstr("hex digit"));
  EXPECT_THAT(parse_error(R"("\ud83d")"), HasSubstr("unpaired high surrogate"));
  EXPECT_THAT(parse_error(R"("\ude00")"), HasSubstr("unpaired low surrogate"));
  EXPECT_THAT(parse_error("\"\xC0\xAF\""), HasSubstr("UTF-8"));      // overlong '/'
  EXPECT_THAT(parse_error("\"\xED\xA0\x80\""), HasSubstr("UTF-8"));  // encoded surrogate
  EXPECT_THAT(parse_error("\"\xE2\x82\""), HasSubstr("UTF-8"));
  EXPECT_THAT(parse_error("1 2"), HasSubstr("after the JSON value"));
  EXPECT_THAT(parse_error(R"({"a": 1, "a": 2})"), HasSubstr("duplicate key \"a\""));
}

TEST(Json, BoundsNestingDepth) {
  const std::string ok = std::string(512, '[') + std::string(512, ']');
  EXPECT_NO_THROW(Json::parse(ok, "t"));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(parse_error(deep), HasSubstr("nesting deeper than 512"));
}

TEST(Json, UnderflowIsZero) {
  EXPECT_EQ(Json::parse("1e-999", "t").as_number(), 0.0);
  EXPECT_EQ(Json::parse("10000e-400", "t").as_number(), 0.0);
}

TEST(Json, TypedAccessRefusesWrongTypes) {
  const Json j = Json::parse(R"({"s": "x", "f": 1.5, "big": 1e19})", "t");
  EXPECT_THROW(j.at("s").as_number(), Error);
  EXPECT_THAT([&] { j.at("f").as_int(); }, ::testing::ThrowsMessage<Error>(HasSubstr("integer")));
  EXPECT_THROW(j.at("big").as_int(), Error);
  EXPECT_THAT([&] { j.at("missing"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("missing key \"missing\"")));
  EXPECT_THROW(j.at("s").as_array(), Error);
}

TEST(Json, WritesCompactAndIndented) {
  Json j;
  j.set("n", 3);
  j.set("x", 0.1);
  j.set("neg", int64_t{-9007199254740992});
  j.set("s", "a\"b\\c\n\x01");
  Json& list = j.set("l", Json());
  list.push_back(true);
  list.push_back(Json());
  j.set("e", Json::Array{});
  EXPECT_EQ(
      j.dump(),
      R"({"n":3,"x":0.1,"neg":-9007199254740992,"s":"a\"b\\c\n\u0001","l":[true,null],"e":[]})");
  EXPECT_EQ(Json::parse(R"({"a":[1,{"b":2}]})", "t").dump(2),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ]\n}");
}

TEST(Json, FloatsRoundTripExactly) {
  for (const double d : {0.1, 1.0 / 3.0, 1e-300, 6.02214076e23, -2.5e-7, 1e20}) {
    const Json back = Json::parse(Json(d).dump(), "t");
    EXPECT_EQ(back.as_number(), d);
  }
  EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "null");
  EXPECT_EQ(Json(std::nan("")).dump(), "null");
}

TEST(Json, Utf8PassesThroughTheWriter) {
  const std::string text = "[\"\xC3\xA9\xF0\x9F\x98\x80\"]";
  EXPECT_EQ(Json::parse(text, "t").dump(), text);
}

TEST(Json, ParseFileNamesMissingFile) {
  try {
    Json::parse_file("/nonexistent/config.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/config.json"));
  }
}

}  // namespace
}  // namespace qtx
