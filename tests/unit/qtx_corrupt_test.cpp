// Corrupt and hostile .qtx files: every one must give a qtx::Error naming the file, never a
// crash, a hang or a huge allocation. Run under -fsanitize=address,undefined as well.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "converter/qtx_writer.h"
#include "engine/format/qtx_loader.h"
#include "qtx/error.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;
using testing_model::make_test_model;
using testing_model::raw_qtx_bytes;
using testing_model::read_bytes;
using testing_model::ScratchDir;
using testing_model::write_bytes;

class QtxCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    convert::write_qtx(make_test_model(), dir_ / "good.qtx");
    good_ = read_bytes(dir_ / "good.qtx");
    ASSERT_GT(good_.size(), 256u);
  }

  // Loads `bytes` as bad.qtx: returns the error message, or "" when the file loaded (then its
  // constants are views inside it). Any exception other than qtx::Error fails the test.
  std::string load(const std::vector<std::byte>& bytes) {
    write_bytes(dir_ / "bad.qtx", bytes);
    try {
      load_qtx(dir_ / "bad.qtx");
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("bad.qtx")) << e.what();
      return e.what();
    }
    return "";
  }

  // The good file with `header_field` (a byte offset into the header) overwritten.
  template <typename T>
  std::vector<std::byte> with_header_field(size_t at, T value) {
    auto bytes = good_;
    for (size_t i = 0; i < sizeof(T); ++i) {
      bytes[at + i] = static_cast<std::byte>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
    }
    return bytes;
  }

  ScratchDir dir_;
  std::vector<std::byte> good_;
};

TEST_F(QtxCorrupt, EmptyFile) {
  EXPECT_THAT(load({}), HasSubstr("not a .qtx file"));
}

TEST_F(QtxCorrupt, NotAQtxFile) {
  const std::string text = "{\"architectures\": [\"BertForMaskedLM\"]}\n";
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  EXPECT_THAT(load(bytes), HasSubstr("bad.qtx: not a .qtx file"));
  EXPECT_THAT(load(read_bytes(std::filesystem::path(QTX_SOURCE_DIR) / "CMakeLists.txt")),
              HasSubstr("not a .qtx file"));
}

TEST_F(QtxCorrupt, MissingFileIsAnIoError) {
  try {
    load_qtx(dir_ / "absent.qtx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_THAT(e.what(), HasSubstr("absent.qtx"));
  }
}

TEST_F(QtxCorrupt, BadMagic) {
  auto bytes = good_;
  bytes[2] = std::byte{'Y'};
  EXPECT_THAT(load(bytes), HasSubstr("not a .qtx file"));
}

TEST_F(QtxCorrupt, NewerFormatVersionAsksForAnUpgrade) {
  const auto model = load_qtx(dir_ / "good.qtx");
  write_bytes(dir_ / "new.qtx", raw_qtx_bytes(model->desc, 1024, 2));
  try {
    load_qtx(dir_ / "new.qtx");
    FAIL() << "a newer format version loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_STREQ(e.what(),
                 "new.qtx was written by format version 2; this qtx reads up to 1: upgrade qtx");
  }
  EXPECT_THAT(load(with_header_field<uint32_t>(4, 0)), HasSubstr("format version 0"));
}

TEST_F(QtxCorrupt, EveryTruncationIsRefused) {
  for (size_t n = 0; n < good_.size(); ++n) {
    const std::vector<std::byte> prefix(good_.begin(), good_.begin() + static_cast<long>(n));
    const std::string error = load(prefix);
    EXPECT_FALSE(error.empty()) << "a file truncated to " << n << " bytes loaded";
    if (n >= 4 && n < 32) {
      EXPECT_THAT(error, HasSubstr("truncated")) << n;
    }
  }
}

TEST_F(QtxCorrupt, HeaderOffsetsPastTheEnd) {
  EXPECT_THAT(load(with_header_field<uint32_t>(8, 0xfffffff8u)), HasSubstr("FlatBuffer"));
  EXPECT_THAT(load(with_header_field<uint32_t>(12, 0xffffffffu)),
              HasSubstr("runs past the end of the file"));
  EXPECT_THAT(load(with_header_field<uint64_t>(16, uint64_t{1} << 62)),
              HasSubstr("does not end where the file ends"));
  EXPECT_THAT(load(with_header_field<uint64_t>(24, std::numeric_limits<uint64_t>::max())),
              HasSubstr("does not end where the file ends"));
  EXPECT_THAT(load(with_header_field<uint64_t>(16, 64)), HasSubstr("overlaps the FlatBuffer"));
}

TEST_F(QtxCorrupt, AbsurdShapesAreRefusedBeforeAnyAllocation) {
  const auto desc = load_qtx(dir_ / "good.qtx")->desc;
  auto with_shape = [&](Shape shape, uint64_t data_size) {
    auto d = desc;
    d.graph->tensors[2]->shape = std::move(shape);
    d.graph->tensors[2]->data_size = data_size;
    return load(raw_qtx_bytes(d, 1024));
  };
  EXPECT_THAT(with_shape({1LL << 40, 1LL << 40, 1LL << 40}, 0), HasSubstr("overflows 64 bits"));
  // 2^62 * 4 floats is 2^66 bytes, which wraps to 0 in 64 bits: a naive check would pass.
  EXPECT_THAT(with_shape({1LL << 62, 4}, 0), HasSubstr("overflows 64 bits"));
  EXPECT_THAT(with_shape({std::numeric_limits<int64_t>::max()}, 0), HasSubstr("overflows"));
  EXPECT_THAT(with_shape({-1, -128}, 512), HasSubstr("negative dimension"));
  EXPECT_THAT(with_shape({1LL << 40}, uint64_t{4} << 40), HasSubstr("runs past the end"));
}

TEST_F(QtxCorrupt, GarbageInTheFlatBufferFailsTheVerifier) {
  auto bytes = good_;
  for (size_t i = 32; i < 96; ++i) bytes[i] = static_cast<std::byte>(0xa5 ^ i);
  EXPECT_THAT(load(bytes), HasSubstr("fails the FlatBuffers verifier"));
  bytes = good_;
  std::memcpy(bytes.data() + 36, "XXXX", 4);  // the file identifier "QTXM"
  EXPECT_THAT(load(bytes), HasSubstr("fails the FlatBuffers verifier"));
}

// Flips bits at every byte of the file: each load must either fail with a qtx::Error or give
// a model that passed every check (flips in weights, or in fields nothing checks).
TEST_F(QtxCorrupt, FlippedBytesNeverCrash) {
  int refused = 0;
  int loaded = 0;
  for (size_t at = 0; at < good_.size(); ++at) {
    for (const int mask : {0x01, 0xff}) {
      auto bytes = good_;
      bytes[at] ^= static_cast<std::byte>(mask);
      (load(bytes).empty() ? loaded : refused) += 1;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(loaded, 0);
}

// Many offsets may share one string in a valid FlatBuffer: 100,000 vocabulary entries naming
// one 64 KiB string would unpack into 6.5 GB from a file of half a megabyte.
TEST_F(QtxCorrupt, SharedStringsCannotAmplifyUnpacking) {
  const auto desc = load_qtx(dir_ / "good.qtx")->desc;
  flatbuffers::FlatBufferBuilder fbb;
  const auto big = fbb.CreateString(std::string(64 * 1024, 'x'));
  const std::vector<flatbuffers::Offset<flatbuffers::String>> shared(100000, big);
  const auto vocab = fbb.CreateVector(shared);
  const auto wordpiece = fb::CreateWordPiece(fbb, desc.tokenizer->model.AsWordPiece());
  const auto tokenizer =
      fb::CreateTokenizer(fbb, vocab, fb::TokenizerModel::WordPiece, wordpiece.Union());
  const auto config = fb::CreateConfig(fbb, desc.config.get());
  const auto recipe = fb::CreateQuantRecipe(fbb, desc.recipe.get());
  const auto graph = fb::CreateGraph(fbb, desc.graph.get());
  fb::FinishModelBuffer(fbb, fb::CreateModel(fbb, 0, config, tokenizer, recipe, graph));

  format::FileHeader header;
  header.flatbuffer_offset = 32;
  header.flatbuffer_size = fbb.GetSize();
  header.data_offset = format::align_up(32 + fbb.GetSize(), 64);
  std::vector<std::byte> bytes(header.data_offset);
  const auto head = format::encode_header(header);
  std::memcpy(bytes.data(), head.data(), head.size());
  std::memcpy(bytes.data() + 32, fbb.GetBufferPointer(), fbb.GetSize());
  EXPECT_THAT(load(bytes), HasSubstr("would unpack into more than"));
}

}  // namespace
}  // namespace qtx
