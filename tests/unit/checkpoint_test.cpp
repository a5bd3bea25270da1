#include "converter/checkpoint.h"

#include <cmath>
#include <fstream>

#include "checkpoint_test_util.h"

namespace qtx::convert {
namespace {

using testing::error_of;
using testing::fixture;
using ::testing::HasSubstr;

std::filesystem::path make_temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Checkpoint, OpensShardedSafetensorsThroughTheIndex) {
  const Checkpoint c = Checkpoint::open(fixture("sharded"));
  EXPECT_EQ(c.path(), fixture("sharded") / "model.safetensors.index.json");
  testing::expect_values_match(c, "sharded");
  EXPECT_EQ(c.find("a.weight")->dtype, DType::F16);
  EXPECT_TRUE(c.contains("b.bias"));
  EXPECT_FALSE(c.contains("c.weight"));
}

TEST(Checkpoint, OpensShardedTorchFilesThroughTheIndex) {
  testing::expect_values_match(Checkpoint::open(fixture("sharded_bin")), "sharded_bin");
}

TEST(Checkpoint, ShardOutsideTheDirectoryIsRefused) {
  const std::string message =
      error_of([] { Checkpoint::open(fixture("sharded_escape")); }, ErrorCode::kInvalidFile);
  EXPECT_THAT(message, HasSubstr("shard '../sharded/model-00001-of-00002.safetensors'"));
  EXPECT_THAT(message, HasSubstr("outside the checkpoint directory"));
}

TEST(Checkpoint, AbsoluteShardPathIsRefused) {
  const auto dir = make_temp_dir("qtx_ckpt_absolute");
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {"w": "/etc/passwd"}})";
  EXPECT_THAT(error_of([&] { Checkpoint::open(dir); }, ErrorCode::kInvalidFile),
              HasSubstr("'/etc/passwd' of tensor 'w' is outside the checkpoint directory"));
}

TEST(Checkpoint, TensorMissingFromItsShardIsRefused) {
  const auto dir = make_temp_dir("qtx_ckpt_missing");
  std::filesystem::copy_file(fixture("small.safetensors"), dir / "part.safetensors");
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"f32": "part.safetensors", "ids": "part.safetensors",)"
      << R"( "nope": "part.safetensors"}})";
  // "ids" (int64) is in the shard, only not a float: it does not count as missing.
  EXPECT_THAT(error_of([&] { Checkpoint::open(dir); }, ErrorCode::kInvalidFile),
              HasSubstr("tensor 'nope' is not in its shard"));
}

TEST(Checkpoint, IndexWithoutWeightMapIsRefused) {
  const auto dir = make_temp_dir("qtx_ckpt_no_map");
  std::ofstream(dir / "model.safetensors.index.json") << R"({"metadata": {}})";
  EXPECT_THAT(error_of([&] { Checkpoint::open(dir); }, ErrorCode::kInvalidFile),
              HasSubstr("no \"weight_map\" object"));
}

TEST(Checkpoint, PrefersSafetensorsAndFallsBackToPytorchBin) {
  const auto dir = make_temp_dir("qtx_ckpt_prefer");
  std::filesystem::copy_file(fixture("torch_state.bin"), dir / "pytorch_model.bin");
  EXPECT_EQ(Checkpoint::open(dir).path(), dir / "pytorch_model.bin");
  std::filesystem::copy_file(fixture("small.safetensors"), dir / "model.safetensors");
  EXPECT_EQ(Checkpoint::open(dir).path(), dir / "model.safetensors");
}

TEST(Checkpoint, DirectoryWithoutWeightsIsRefused) {
  const auto dir = make_temp_dir("qtx_ckpt_empty");
  EXPECT_THAT(error_of([&] { Checkpoint::open(dir); }, ErrorCode::kInvalidFile),
              HasSubstr("no model.safetensors.index.json"));
  EXPECT_THAT(error_of([] { Checkpoint::open("/nonexistent/ckpt"); }, ErrorCode::kIo),
              HasSubstr("/nonexistent/ckpt"));
}

TEST(Checkpoint, AbsentTensorIsNamed) {
  const Checkpoint c = Checkpoint::open_file(fixture("small.safetensors"));
  EXPECT_THAT(error_of([&] { c.load_f32("missing.weight"); }, ErrorCode::kInvalidArgument),
              HasSubstr("'missing.weight'"));
}

TEST(Checkpoint, ReadsASharedTrainedModel) {
  const auto dir = std::filesystem::path(QTX_SHARED_DIR) / "models" / "bert4L-vanilla";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no shared models at " << dir;
  const Checkpoint c = Checkpoint::open(dir);
  const TensorEntry* embeddings = c.find("bert.embeddings.word_embeddings.weight");
  ASSERT_NE(embeddings, nullptr);
  EXPECT_EQ(embeddings->dtype, DType::F16);
  EXPECT_EQ(embeddings->shape, (Shape{30522, 192}));
  EXPECT_FALSE(c.contains("cls.predictions.decoder.weight"));  // tied to the embeddings
  const Json& sample =
      testing::expected_values().at("bert4L-vanilla").at("bert.embeddings.LayerNorm.weight");
  const Tensor t = c.load_f32("bert.embeddings.LayerNorm.weight");
  ASSERT_EQ(t.shape(), (Shape{192}));
  const auto& first = sample.at("first_values").as_array();
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(t.data<float>()[i], static_cast<float>(first[i].as_number()));
  }
}

}  // namespace
}  // namespace qtx::convert
