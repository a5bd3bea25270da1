#include "engine/util/mapped_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "qtx/error.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;

std::filesystem::path write_temp(const std::string& name, const std::string& bytes) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(MappedFile, MapsTheBytesOfAFile) {
  const std::string bytes("qtx\0mapped", 10);
  const auto path = write_temp("qtx_mapped_file_test.bin", bytes);
  const auto file = MappedFile::open(path);
  ASSERT_EQ(file->size(), bytes.size());
  EXPECT_EQ(std::memcmp(file->data(), bytes.data(), bytes.size()), 0);
  EXPECT_EQ(file->path(), path);
  std::filesystem::remove(path);
  // The mapping stays valid after the file is unlinked: weights live as long as the pointer.
  EXPECT_EQ(static_cast<char>(file->data()[4]), 'm');
}

TEST(MappedFile, EmptyFileHasSizeZero) {
  const auto path = write_temp("qtx_mapped_file_empty.bin", "");
  const auto file = MappedFile::open(path);
  EXPECT_EQ(file->size(), 0u);
  std::filesystem::remove(path);
}

TEST(MappedFile, MissingFileIsAnIoErrorNamingThePath) {
  try {
    MappedFile::open("/nonexistent/model.qtx");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/model.qtx"));
    EXPECT_THAT(e.what(), HasSubstr("No such file"));
  }
}

TEST(MappedFile, DirectoryIsRefused) {
  EXPECT_THAT([] { MappedFile::open(std::filesystem::temp_directory_path()); },
              ::testing::ThrowsMessage<Error>(HasSubstr("directory")));
}

}  // namespace
}  // namespace qtx
