// `qtx run --dump-intermediates DIR`: every node's output as .npy with a manifest, compared layer
// by layer with Hugging Face's hidden states of bert4L-vanilla (tests/tools/gen_layer_golden.py),
// and its refusal to write into a directory that holds something.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "engine/util/json.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

namespace fs = std::filesystem;

struct Npy {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// A little-endian float32 .npy of format 1.0 (what qtx writes), read independently of the writer.
Npy read_npy(const fs::path& file) {
  const std::string bytes = testing::file_text(file);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  const size_t header_size = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  const std::string header = bytes.substr(10, header_size);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  Npy npy;
  const size_t open = header.find('(', header.find("'shape'"));
  const size_t close = header.find(')', open);
  std::string dims = header.substr(open + 1, close - open - 1);
  for (size_t at = 0; at < dims.size();) {
    const size_t comma = dims.find(',', at);
    const std::string dim =
        dims.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (dim.find_first_of("0123456789") != std::string::npos) npy.shape.push_back(std::stoll(dim));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  int64_t count = 1;
  for (int64_t d : npy.shape) count *= d;
  npy.values.resize(static_cast<size_t>(count));
  EXPECT_EQ(bytes.size(), 10 + header_size + npy.values.size() * sizeof(float));
  std::memcpy(npy.values.data(), bytes.data() + 10 + header_size,
              npy.values.size() * sizeof(float));
  return npy;
}

class IntermediatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    convert::convert_checkpoint(testing::shared_model_dir("bert4L-vanilla"), model(), {});
  }
  fs::path model() const { return temp_.path() / "bert.qtx"; }
  testing::TempDir temp_{"intermediates"};
};

TEST_F(IntermediatesTest, EveryLayerMatchesHuggingFace) {
  const Json golden =
      testing::read_json(fs::path(QTX_TEST_DATA_DIR) / "golden" / "bert4L-vanilla" / "layers.json");
  const fs::path dir = temp_.path() / "dump";
  const testing::QtxRun run =
      testing::run_qtx({"run", model().string(), "--text", golden.find("text")->as_string(),
                        "--dump-intermediates", dir.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json manifest = testing::read_json(dir / "manifest.json");
  EXPECT_GT(manifest.find("tensors")->as_array().size(), 40u);  // 4 layers of ~12 nodes
  int64_t compared = 0;
  for (const auto& [name, rows] : golden.find("layers")->as_object()) {
    SCOPED_TRACE(name);
    const Npy got = read_npy(dir / (name + ".npy"));
    const auto& want = rows.as_array();
    ASSERT_EQ(got.shape,
              (std::vector<int64_t>{1, int64_t(want.size()), int64_t(want[0].as_array().size())}));
    double scale = 0.0, worst = 0.0;
    for (size_t s = 0; s < want.size(); ++s) {
      const auto& row = want[s].as_array();
      for (size_t h = 0; h < row.size(); ++h) {
        const double w = row[h].as_number();
        scale = std::max(scale, std::abs(w));
        worst = std::max(worst, std::abs(got.values[s * row.size() + h] - w));
      }
    }
    EXPECT_LE(worst / scale, 1e-4);
    ++compared;
  }
  EXPECT_EQ(compared, 5);  // the embeddings and each of the 4 layers
}

TEST_F(IntermediatesTest, RefusesADirectoryThatHoldsSomething) {
  const fs::path dir = temp_.path() / "taken";
  fs::create_directory(dir);
  std::ofstream(dir / "mine.txt") << "keep me";
  const testing::QtxRun run = testing::run_qtx(
      {"run", model().string(), "--text", "a [MASK]", "--dump-intermediates", dir.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("new or empty directory"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");  // refused before the task ran
  EXPECT_EQ(testing::file_text(dir / "mine.txt"), "keep me");
}

}  // namespace
}  // namespace qtx
