#include "converter/torch_pickle.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "checkpoint_test_util.h"
#include "converter/torch_checkpoint.h"

namespace qtx::convert {
namespace {

using testing::error_of;
using testing::fixture;
using ::testing::HasSubstr;
using namespace std::string_literals;

std::vector<PickledTensor> read_pickle(const std::string& bytes) {
  return read_torch_pickle({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()},
                           "test.pkl");
}

std::string pickle_error(const std::string& bytes) {
  return error_of([&] { read_pickle(bytes); }, ErrorCode::kInvalidFile);
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path write_temp(const std::string& name, const std::string& bytes) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(TorchPickle, LoadsTheValuesTorchSaved) {
  // F32, F16, BF16, a Parameter, views at storage offsets 4, a scalar and an empty tensor.
  testing::expect_values_match(Checkpoint::open_file(fixture("torch_state.bin")),
                               "torch_state.bin");
}

TEST(TorchPickle, ListsStoredDtypesAndLeavesOutIntegerBuffers) {
  const auto file = TorchCheckpointFile::open(fixture("torch_state.bin"));
  const auto entries = file->entries();
  ASSERT_EQ(entries.size(), 8u);
  EXPECT_EQ(entries[0].name, "linear.weight");  // state dict order
  EXPECT_EQ(entries[1].dtype, DType::F16);
  EXPECT_EQ(entries[2].dtype, DType::BF16);
  EXPECT_TRUE(file->holds_unsupported("position_ids"));
  EXPECT_THAT(error_of([&] { file->load_f32("position_ids"); }, ErrorCode::kUnsupported),
              HasSubstr("'position_ids' is a LongStorage"));
}

TEST(TorchPickle, NonContiguousTensorIsRefused) {
  const std::string message =
      error_of([] { TorchCheckpointFile::open(fixture("torch_noncontiguous.bin")); },
               ErrorCode::kUnsupported);
  EXPECT_THAT(message, HasSubstr("'transposed' is not contiguous (size [2, 3], stride [1, 2])"));
}

TEST(TorchPickle, RefusesToImportOsSystemAndRunsNothing) {
  std::filesystem::remove("/tmp/qtx_pwned");
  const std::string message = error_of(
      [] { Checkpoint::open_file(fixture("malicious_os_system.bin")); }, ErrorCode::kInvalidFile);
  EXPECT_THAT(message, HasSubstr("malicious_os_system.bin"));
  EXPECT_THAT(message, HasSubstr("refuses to import 'os.system'"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/qtx_pwned"));
}

TEST(TorchPickle, RefusesStackGlobalOfBuiltinsEval) {
  EXPECT_THAT(error_of([] { Checkpoint::open_file(fixture("malicious_eval.bin")); },
                       ErrorCode::kInvalidFile),
              HasSubstr("refuses to import 'builtins.eval'"));
}

TEST(TorchPickle, RefusesOtherGlobals) {
  EXPECT_THAT(pickle_error("\x80\x02"
                           "cposix\nsystem\n."s),
              HasSubstr("'posix.system'"));
  EXPECT_THAT(pickle_error("\x80\x02"
                           "csubprocess\nPopen\n."s),
              HasSubstr("'subprocess.Popen'"));
  EXPECT_THAT(pickle_error("\x80\x02"
                           "ctorch.storage\n_load_from_bytes\n."s),
              HasSubstr("'torch.storage._load_from_bytes'"));
}

TEST(TorchPickle, RefusesCorruptPickles) {
  EXPECT_THAT(pickle_error("\x80\x02"s), HasSubstr("truncated pickle opcode"));
  EXPECT_THAT(pickle_error("\x80\x02X\xff\xff\xff\x7f"
                           "abc."s),
              HasSubstr("truncated BINUNICODE"));
  EXPECT_THAT(pickle_error("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff."s),
              HasSubstr("longer than the pickle"));
  EXPECT_THAT(pickle_error("\x80\x02h\x05."s), HasSubstr("memo entry 5 is not set"));
  EXPECT_THAT(pickle_error("\x80\x02R."s), HasSubstr("stack underflow"));
  EXPECT_THAT(pickle_error("\x80\x02(s."s), HasSubstr("stack underflow"));
  EXPECT_THAT(pickle_error("\x80\x02t."s), HasSubstr("missing MARK"));
  EXPECT_THAT(pickle_error("\x80\x02"
                           "c.\n"s),
              HasSubstr("unterminated GLOBAL name"));
  EXPECT_THAT(pickle_error("\x80\x02\x8a\x09"
                           "123456789."s),
              HasSubstr("wider than 64 bits"));
  EXPECT_THAT(pickle_error("\x80\x02i."s), HasSubstr("unsupported opcode 0x69"));
  EXPECT_THAT(pickle_error("\x80\x02]."s), HasSubstr("not a state dict"));
  EXPECT_THAT(pickle_error("\x80\x02}K\x01K\x02s."s), HasSubstr("key is not a string"));
  EXPECT_THAT(pickle_error("\x80\x02}X\x01\x00\x00\x00"
                           "aK\x02s."s),
              HasSubstr("entry 'a' is not a tensor"));
  EXPECT_THAT(pickle_error("\x80\x02NN."s), HasSubstr("unbalanced stack"));
  EXPECT_THAT(pickle_error("\x80\x02"
                           "ccollections\nOrderedDict\nK\x01\x85R."s),
              HasSubstr("unexpected call of collections.OrderedDict"));
}

TEST(TorchPickle, ReadsAHandWrittenStateDict) {
  // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '7', 'cpu', 6), 2, (2, 2), (2, 1))},
  // with a BINPUT and a LONG1 offset, as torch.save might write it.
  const std::string pickle =
      "\x80\x02}q\x00X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n(("
      "X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00"
      "7X\x03\x00\x00\x00"
      "cpuK\x06tQ\x8a\x01\x02K\x02K\x02\x86K\x02K\x01\x86\x89tRs."s;
  const auto tensors = read_pickle(pickle);
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].name, "w");
  EXPECT_EQ(tensors[0].storage_type, "FloatStorage");
  EXPECT_EQ(tensors[0].storage_key, "7");
  EXPECT_EQ(tensors[0].storage_numel, 6);
  EXPECT_EQ(tensors[0].offset, 2);
  EXPECT_EQ(tensors[0].shape, (Shape{2, 2}));
  EXPECT_EQ(tensors[0].stride, (Shape{2, 1}));
}

TEST(TorchPickle, CompressedEntriesAreRefused) {
  EXPECT_THAT(
      error_of([] { Checkpoint::open_file(fixture("compressed.bin")); }, ErrorCode::kUnsupported),
      HasSubstr("zip entry 'archive/data.pkl' is compressed (method 8)"));
}

TEST(TorchPickle, TruncatedArchivesAreRefused) {
  const std::string bytes = read_bytes(fixture("torch_state.bin"));
  for (const size_t keep : {size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    const auto path = write_temp("qtx_truncated.bin", bytes.substr(0, keep));
    EXPECT_THAT(error_of([&] { TorchCheckpointFile::open(path); }, ErrorCode::kInvalidFile),
                HasSubstr("qtx_truncated.bin"));
  }
}

TEST(TorchPickle, LegacyTorchFilesAreUnsupported) {
  const auto path = write_temp("qtx_legacy.bin",
                               "\x80\x02\x8a\x0a"
                               "legacy magic");
  EXPECT_THAT(error_of([&] { TorchCheckpointFile::open(path); }, ErrorCode::kUnsupported),
              HasSubstr("legacy"));
}

}  // namespace
}  // namespace qtx::convert
