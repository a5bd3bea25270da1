#include "converter/safetensors.h"

#include <cstdint>
#include <cstring>
#include <fstream>

#include "checkpoint_test_util.h"

namespace qtx::convert {
namespace {

using testing::error_of;
using testing::fixture;
using ::testing::HasSubstr;

// A safetensors file from a header and data bytes, in the temp directory.
std::filesystem::path write_safetensors(const std::string& name, const std::string& header,
                                        const std::string& data) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), sizeof length);
  out << header << data;
  return path;
}

std::string open_error(const std::string& header, const std::string& data) {
  const auto path = write_safetensors("qtx_safetensors_test.safetensors", header, data);
  return error_of([&] { SafetensorsFile::open(path); }, ErrorCode::kInvalidFile);
}

TEST(Safetensors, LoadsTheValuesTorchWrote) {
  testing::expect_values_match(Checkpoint::open_file(fixture("small.safetensors")),
                               "small.safetensors");
}

TEST(Safetensors, ListsStoredDtypes) {
  const Checkpoint c = Checkpoint::open_file(fixture("small.safetensors"));
  EXPECT_EQ(c.find("f32")->dtype, DType::F32);
  EXPECT_EQ(c.find("f16")->dtype, DType::F16);
  EXPECT_EQ(c.find("bf16")->dtype, DType::BF16);
}

TEST(Safetensors, NonFloatTensorIsUnlistedAndUnsupported) {
  const auto file = SafetensorsFile::open(fixture("small.safetensors"));
  EXPECT_TRUE(file->holds_unsupported("ids"));
  for (const auto& e : file->entries()) EXPECT_NE(e.name, "ids");
  const std::string message = error_of([&] { file->load_f32("ids"); }, ErrorCode::kUnsupported);
  EXPECT_THAT(message, HasSubstr("'ids'"));
  EXPECT_THAT(message, HasSubstr("I64"));
}

TEST(Safetensors, HeaderLengthPastTheEndIsRefused) {
  const std::string message =
      error_of([] { SafetensorsFile::open(fixture("header_past_end.safetensors")); },
               ErrorCode::kInvalidFile);
  EXPECT_THAT(message, HasSubstr("header_past_end.safetensors"));
  EXPECT_THAT(message, HasSubstr("header length 1099511627776 exceeds the file size"));
}

TEST(Safetensors, DataOffsetsPastTheEndAreRefused) {
  const std::string message =
      error_of([] { SafetensorsFile::open(fixture("offsets_past_end.safetensors")); },
               ErrorCode::kInvalidFile);
  EXPECT_THAT(message, HasSubstr("tensor 't'"));
  EXPECT_THAT(message, HasSubstr("data_offsets [0, 8] outside the 4 data bytes"));
}

TEST(Safetensors, InconsistentHeadersAreRefused) {
  const std::string data(16, '\0');
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data),
              HasSubstr("8 data bytes for shape [3] of dtype F32"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", data),
              HasSubstr("data_offsets [8, 4]"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", data),
              HasSubstr("negative dimension"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,4],)"
                         R"("data_offsets":[0,4]}})",
                         data),
              HasSubstr("element count overflows"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", data),
              HasSubstr("integer"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F32","shape":[1]}})", data),
              HasSubstr("missing key \"data_offsets\""));
  EXPECT_THAT(open_error(R"([1, 2])", data), HasSubstr("not a JSON object"));
  EXPECT_THAT(open_error(R"({"t": )", data), HasSubstr("JSON"));
  EXPECT_THAT(open_error(R"({"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
                         R"("t":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}})",
                         data),
              HasSubstr("duplicate key \"t\""));
}

TEST(Safetensors, TooShortFileIsRefused) {
  const auto path = std::filesystem::temp_directory_path() / "qtx_short.safetensors";
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_THAT(error_of([&] { SafetensorsFile::open(path); }, ErrorCode::kInvalidFile),
              HasSubstr("truncated safetensors header length"));
}

TEST(Safetensors, UnknownDtypeFailsOnlyWhenLoaded) {
  const auto path = write_safetensors(
      "qtx_safetensors_f8.safetensors",
      R"({"__metadata__":{"format":"pt"},"q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]},)"
      R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
      std::string("\0\0\0\0\0\0\x80\x3f", 8));
  const auto file = SafetensorsFile::open(path);
  ASSERT_EQ(file->entries().size(), 1u);
  EXPECT_EQ(file->load_f32("w").data<float>()[0], 1.0f);
  EXPECT_THAT(error_of([&] { file->load_f32("q"); }, ErrorCode::kUnsupported),
              HasSubstr("dtype F8_E4M3"));
}

}  // namespace
}  // namespace qtx::convert
