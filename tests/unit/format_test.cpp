// The .qtx header and the writer's file layout, checked byte by byte against the layout that
// engine/format/file_header.h documents (hand-computed offsets, not the loader).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "converter/qtx_writer.h"
#include "engine/format/file_header.h"
#include "qtx/error.h"
#include "tests/unit/qtx_test_model.h"

namespace qtx {
namespace {

using ::testing::HasSubstr;
using testing_model::make_test_model;
using testing_model::read_bytes;
using testing_model::ScratchDir;

// Reads a little-endian unsigned integer of sizeof(T) bytes at `at`.
template <typename T>
T le(const std::vector<std::byte>& b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v |= uint64_t{std::to_integer<uint8_t>(b[at + i])} << (8 * i);
  }
  return static_cast<T>(v);
}

TEST(FileHeader, EncodesLittleEndianAtTheDocumentedOffsets) {
  format::FileHeader h;
  h.flatbuffer_offset = 32;
  h.flatbuffer_size = 0x01020304;
  h.data_offset = 0x0000000501020340ull;  // above 4 GB: weights past the FlatBuffers limit
  h.data_size = 0x1122334455667788ull;
  const auto bytes = format::encode_header(h);
  const std::vector<std::byte> b(bytes.begin(), bytes.end());
  EXPECT_EQ(std::memcmp(b.data(), "QTX\0", 4), 0);
  EXPECT_EQ(std::to_integer<int>(b[4]), 1);  // format version 1, little-endian
  EXPECT_EQ(std::to_integer<int>(b[12]), 0x04);
  EXPECT_EQ(std::to_integer<int>(b[15]), 0x01);
  EXPECT_EQ(le<uint64_t>(b, 16), 0x0000000501020340ull);
  EXPECT_EQ(le<uint64_t>(b, 24), 0x1122334455667788ull);

  h.data_size = 0x100;
  const auto small = format::encode_header(h);
  const auto back = format::decode_header(small, h.data_offset + 0x100, "big.qtx");
  EXPECT_EQ(back.flatbuffer_size, 0x01020304u);
  EXPECT_EQ(back.data_offset, 0x0000000501020340ull);
  EXPECT_EQ(back.data_size, 0x100u);
}

TEST(FileHeader, RefusesBadRegions) {
  format::FileHeader h;
  h.flatbuffer_offset = 32;
  h.flatbuffer_size = 100;
  h.data_offset = 192;
  h.data_size = 64;
  auto decode = [&](uint64_t file_size) {
    return format::decode_header(format::encode_header(h), file_size, "m.qtx");
  };
  EXPECT_NO_THROW(decode(256));
  EXPECT_THROW(decode(255), Error);  // truncated data section
  EXPECT_THROW(decode(257), Error);  // trailing bytes
  h.data_offset = 100;               // overlaps the FlatBuffer and is not aligned
  EXPECT_THROW(decode(164), Error);
  h.data_offset = 192;
  h.flatbuffer_offset = 36;  // not 8-aligned
  EXPECT_THROW(decode(256), Error);
  h.flatbuffer_offset = 16;  // inside the header
  EXPECT_THROW(decode(256), Error);
}

TEST(FileHeader, AlignUp) {
  EXPECT_EQ(format::align_up(0, 64), 0u);
  EXPECT_EQ(format::align_up(1, 64), 64u);
  EXPECT_EQ(format::align_up(64, 64), 64u);
  EXPECT_EQ(format::align_up(4097, 64), 4160u);
}

TEST(QtxWriter, LaysOutHeaderFlatBufferAndAlignedData) {
  ScratchDir dir;
  const ModelDef model = make_test_model();
  convert::write_qtx(model, dir / "m.qtx");
  const auto b = read_bytes(dir / "m.qtx");
  ASSERT_GE(b.size(), 32u);
  EXPECT_EQ(std::memcmp(b.data(), "QTX\0", 4), 0);
  EXPECT_EQ(le<uint32_t>(b, 4), 1u);
  const uint32_t fb_offset = le<uint32_t>(b, 8);
  const uint32_t fb_size = le<uint32_t>(b, 12);
  const uint64_t data_offset = le<uint64_t>(b, 16);
  const uint64_t data_size = le<uint64_t>(b, 24);
  EXPECT_EQ(fb_offset, 32u);
  EXPECT_EQ(data_offset % 64, 0u);
  EXPECT_GE(data_offset, uint64_t{fb_offset} + fb_size);
  EXPECT_EQ(data_offset + data_size, b.size());
  // The FlatBuffer's identifier sits 4 bytes into it.
  EXPECT_EQ(std::memcmp(b.data() + fb_offset + 4, "QTXM", 4), 0);

  const auto* root = fb::GetModel(b.data() + fb_offset);
  EXPECT_EQ(root->producer()->str(), "qtx 0.1.0");
  // Constants in tensor order, each at the next 64-byte boundary, padding zeroed.
  uint64_t expected_offset = 0;
  for (size_t i = 0; i < root->graph()->tensors()->size(); ++i) {
    const auto* t = root->graph()->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (!t->constant()) {
      EXPECT_EQ(t->data_size(), 0u);
      continue;
    }
    const Tensor& c = model.constants[i];
    EXPECT_EQ(t->data_offset(), expected_offset) << t->name()->str();
    ASSERT_EQ(t->data_size(), c.nbytes()) << t->name()->str();
    EXPECT_EQ(std::memcmp(b.data() + data_offset + t->data_offset(), c.raw(), c.nbytes()), 0);
    const uint64_t end = t->data_offset() + t->data_size();
    expected_offset = format::align_up(end, 64);
    for (uint64_t p = end; p < expected_offset; ++p) {
      EXPECT_EQ(std::to_integer<int>(b[data_offset + p]), 0);
    }
  }
  EXPECT_EQ(data_size, expected_offset);
}

TEST(QtxWriter, RefusesConstantsThatDisagreeWithTheTensorTable) {
  ScratchDir dir;
  ModelDef wrong_shape = make_test_model();
  const int w = GraphBuilder(wrong_shape).find("linear.weight");
  wrong_shape.constants[static_cast<size_t>(w)] = Tensor(DType::I8, {4, 5});
  try {
    convert::write_qtx(wrong_shape, dir / "m.qtx");
    FAIL() << "a shape mismatch was written";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'linear.weight'"));
    EXPECT_THAT(e.what(), HasSubstr("[4, 5]"));
  }
  ModelDef wrong_dtype = make_test_model();
  wrong_dtype.constants[static_cast<size_t>(w)] = Tensor(DType::U8, {4, 4});
  EXPECT_THROW(convert::write_qtx(wrong_dtype, dir / "m.qtx"), Error);
  ModelDef missing = make_test_model();
  missing.constants[static_cast<size_t>(w)] = Tensor();
  EXPECT_THROW(convert::write_qtx(missing, dir / "m.qtx"), Error);
  ModelDef activation_with_data = make_test_model();
  activation_with_data.constants[0] = Tensor(DType::I32, {1});
  EXPECT_THROW(convert::write_qtx(activation_with_data, dir / "m.qtx"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.qtx"));
}

TEST(QtxWriter, RefusesAnInvalidGraphAndKeepsTheExistingFile) {
  ScratchDir dir;
  const auto out = dir / "m.qtx";
  testing_model::write_bytes(out, {std::byte{'o'}, std::byte{'l'}, std::byte{'d'}});
  ModelDef model = make_test_model();
  model.desc.graph->nodes[1]->inputs[1] = 99;  // LayerNorm gamma: no such tensor
  try {
    convert::write_qtx(model, out);
    FAIL() << "an invalid graph was written";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("node 'ln'"));
    EXPECT_THAT(e.what(), HasSubstr("#99"));
  }
  EXPECT_EQ(read_bytes(out).size(), 3u);
  model = make_test_model();
  model.desc.graph->nodes[1]->op.Reset();  // an op a FlatBuffer could not even hold
  try {
    convert::write_qtx(model, out);
    FAIL() << "a node without an op was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_THAT(e.what(), HasSubstr("node 'ln': unknown op type 0"));
  }
  EXPECT_EQ(read_bytes(out).size(), 3u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);  // no temporary file left behind
}

}  // namespace
}  // namespace qtx
