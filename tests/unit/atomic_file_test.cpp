// AtomicFileWriter: readers see the old file or the complete new one, never a partial write,
// and a writer that never commits leaves no trace.
#include "engine/util/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <stdexcept>
#include <string>

#include "qtx/error.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;
using testing_model::ScratchDir;

std::string contents(const std::filesystem::path& path) {
  const auto bytes = testing_model::read_bytes(path);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

size_t entries(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFile, CommitReplacesTheTargetWithEverythingWritten) {
  ScratchDir dir;
  const auto out = dir / "out.json";
  {
    AtomicFileWriter w(out);
    w.write("{\"a\": ");
    w.write_zeros(5000);
    w.write("1}");
    EXPECT_EQ(w.bytes_written(), 5008u);
    EXPECT_FALSE(std::filesystem::exists(out));  // nothing visible before commit
    w.commit();
    EXPECT_THROW(w.write("more"), Error);
  }
  const std::string text = contents(out);
  ASSERT_EQ(text.size(), 5008u);
  EXPECT_EQ(text.substr(0, 6), "{\"a\": ");
  EXPECT_EQ(text[6], '\0');
  EXPECT_EQ(text.substr(5006), "1}");
  EXPECT_EQ(entries(dir.path()), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // not mkstemp's private 0600
}

TEST(AtomicFile, WithoutCommitTheExistingFileIsUntouched) {
  ScratchDir dir;
  const auto out = dir / "model.qtx";
  {
    AtomicFileWriter w(out);
    w.write("precious");
    w.commit();
  }
  ASSERT_EQ(::chmod(out.c_str(), 0640), 0);
  try {
    AtomicFileWriter w(out);
    w.write("half of a new fi");
    throw std::runtime_error("conversion failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(contents(out), "precious");
  EXPECT_EQ(entries(dir.path()), 1u);  // the temporary file is gone
  {
    AtomicFileWriter w(out);
    w.write("replaced");
    w.commit();
  }
  EXPECT_EQ(contents(out), "replaced");
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);  // the replaced file keeps its permissions
}

TEST(AtomicFile, UnwritableDirectoryIsAnIoErrorNamingThePath) {
  ScratchDir dir;
  try {
    AtomicFileWriter w(dir / "no" / "such" / "dir" / "out.qtx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_THAT(e.what(), HasSubstr("no/such/dir/out.qtx"));
  }
  EXPECT_THROW(AtomicFileWriter(dir.path() / ""), Error);
}

}  // namespace
}  // namespace qtx
