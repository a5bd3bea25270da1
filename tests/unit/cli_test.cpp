// The qtx command line (QTX_CLI_PATH) as a user meets it: results on real models and, above
// all, its error paths: each bad file, checkpoint, input or option gives "qtx: error: ..."
// naming the culprit (exit 1) or a usage error (exit 2), never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "converter/convert.h"
#include "engine/util/json.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/unit/qtx_cli_runner.h"

namespace qtx {
namespace {

namespace fs = std::filesystem;

using CliResult = testing::QtxRun;
const auto& run_cli = testing::run_qtx;
const auto& read_file = testing::file_text;

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A failure of the work itself: exit 1 and one "qtx: error:" line naming `culprit`.
void expect_failure(const CliResult& r, const std::string& culprit) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "qtx: error: ")) << r.err;
  EXPECT_TRUE(contains(r.err, culprit)) << "expected '" << culprit << "' in: " << r.err;
}

void expect_usage_error(const CliResult& r, const std::string& culprit) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, culprit)) << "expected '" << culprit << "' in: " << r.err;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("cli");
    convert::convert_checkpoint(testing::shared_model_dir("bert4L-vanilla"), bert(), {});
    convert::convert_checkpoint(testing::shared_model_dir("opt4L-vanilla"), opt(), {});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string bert() { return (dir_->path() / "bert.qtx").string(); }
  static std::string opt() { return (dir_->path() / "opt.qtx").string(); }
  static fs::path scratch(const std::string& name) { return dir_->path() / name; }

  // A copy of bert4L-vanilla's side files with `weights` as its only weights file.
  static fs::path checkpoint_with(const std::string& name, const fs::path& weights,
                                  const std::string& weights_name) {
    const fs::path dir = scratch(name);
    fs::create_directories(dir);
    testing::copy_side_files("bert4L-vanilla", dir);
    fs::copy_file(weights, dir / weights_name, fs::copy_options::overwrite_existing);
    return dir;
  }

 private:
  static testing::TempDir* dir_;
};
testing::TempDir* CliTest::dir_ = nullptr;

std::string fixture(const std::string& name) {
  return std::string(QTX_TEST_DATA_DIR) + "/checkpoints/" + name;
}

TEST_F(CliTest, FillMaskJsonTop1IsHuggingFacesArgmax) {
  // HF's argmax at the [MASK] of "the capital of france is [MASK]." (golden case0, token 6).
  const CliResult r = run_cli(
      {"run", bert(), "--text", "the capital of france is [MASK].", "--json", "--top-k", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json out = Json::parse(r.out, "qtx run --json");
  const Json& mask = out.at("masks").as_array().at(0);
  EXPECT_EQ(mask.at("position").as_int(), 6);
  ASSERT_EQ(mask.at("predictions").as_array().size(), 3u);
  const Json& top = mask.at("predictions").as_array()[0];
  EXPECT_EQ(top.at("token").as_string(), "it");
  EXPECT_EQ(top.at("id").as_int(), 2009);
  EXPECT_GT(top.at("score").as_number(), 0.0);
}

TEST_F(CliTest, FileInputGivesOneJsonLinePerNonEmptyLine) {
  const CliResult r = run_cli({"run", bert(), "--file",
                               std::string(QTX_TEST_DATA_DIR) + "/cli/fill_mask_inputs.txt",
                               "--json", "--batch-size", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> texts;
  for (std::string line; std::getline(lines, line);) {
    texts.push_back(Json::parse(line, "line").at("text").as_string());
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"the man went to the [MASK] to buy milk.",
                                             "music is the [MASK] of the soul."}));
}

TEST_F(CliTest, GreedyGenerationJsonEqualsHuggingFace) {
  // opt4L-vanilla's golden greedy continuation of "She was born in" (first 8 tokens).
  const CliResult r =
      run_cli({"run", opt(), "--text", "She was born in", "--max-new-tokens", "8", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json out = Json::parse(r.out, "qtx run --json");
  std::vector<int64_t> ids;
  for (const Json& v : out.at("new_ids").as_array()) ids.push_back(v.as_int());
  EXPECT_EQ(ids, (std::vector<int64_t>{262, 995, 13, 1375, 373, 257, 922, 2576}));
}

TEST_F(CliTest, DumpLogitsWritesANpyOfTheRun) {
  const fs::path npy = scratch("logits.npy");
  const CliResult r =
      run_cli({"run", bert(), "--text", "the capital of france is [MASK].", "--dump-logits", npy});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string bytes = read_file(npy);
  ASSERT_GT(bytes.size(), 64u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  const size_t header = 10 + static_cast<uint8_t>(bytes[8]) + 256u * uint8_t(bytes[9]);
  EXPECT_EQ(header % 64, 0u);
  EXPECT_TRUE(contains(bytes.substr(0, header), "'shape': (1, 9, 30522)"));
  EXPECT_EQ(bytes.size(), header + 9u * 30522u * 4u);
  // The [MASK] row's argmax is HF's ("it", 2009).
  const auto* row = reinterpret_cast<const float*>(bytes.data() + header) + 6 * 30522;
  EXPECT_EQ(std::max_element(row, row + 30522) - row, 2009);
}

TEST_F(CliTest, InspectShowsArchitectureAndTensors) {
  const CliResult r = run_cli({"inspect", bert(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json out = Json::parse(r.out, "qtx inspect --json");
  EXPECT_EQ(out.at("architecture").as_string(), "BertForMaskedLM");
  EXPECT_EQ(out.at("sizes").at("layers").as_int(), 4);
  EXPECT_EQ(out.at("totals").at("parameters").as_int(), 7806714);  // HF's count, tied head
}

TEST_F(CliTest, MissingAndCorruptModelFiles) {
  expect_usage_error(run_cli({"run", "/nonexistent/model.qtx", "--text", "x"}),
                     "/nonexistent/model.qtx");
  const fs::path empty = scratch("empty.qtx");
  write_file(empty, "");
  expect_failure(run_cli({"run", empty, "--text", "a [MASK]"}), "empty.qtx");

  const std::string good = read_file(bert());
  const fs::path truncated = scratch("truncated.qtx");
  write_file(truncated, good.substr(0, good.size() / 2));
  expect_failure(run_cli({"run", truncated, "--text", "a [MASK]"}), "truncated.qtx: ");
  expect_failure(run_cli({"inspect", truncated}), "truncated.qtx: ");

  // Byte 32 starts the FlatBuffer (its root offset): flipped, the verifier must refuse it.
  std::string flipped = good;
  flipped[32] = static_cast<char>(flipped[32] ^ 0x5a);
  const fs::path flipped_file = scratch("flipped.qtx");
  write_file(flipped_file, flipped);
  expect_failure(run_cli({"run", flipped_file, "--text", "a [MASK]"}), "flipped.qtx: ");
}

TEST_F(CliTest, BadCheckpointsAreRefusedNamingTheProblem) {
  const fs::path unknown = scratch("unknown-arch");
  fs::create_directories(unknown);
  testing::copy_side_files("bert4L-vanilla", unknown);
  const Json config = testing::read_json(unknown / "config.json");
  testing::write_json(unknown / "config.json",
                      testing::with_key(config, "architectures", Json::Array{"FooForBar"}));
  for (const auto& entry : fs::directory_iterator(testing::shared_model_dir("bert4L-vanilla"))) {
    if (entry.path().filename().string().starts_with("model")) {
      fs::create_symlink(entry.path(), unknown / entry.path().filename());
    }
  }
  expect_failure(run_cli({"convert", unknown, "-o", scratch("unknown.qtx")}), "FooForBar");

  const fs::path pickle =
      checkpoint_with("os-system", fixture("malicious_os_system.bin"), "pytorch_model.bin");
  expect_failure(run_cli({"convert", pickle, "-o", scratch("os.qtx")}), "os.system");
  EXPECT_FALSE(fs::exists(scratch("os.qtx")));

  const fs::path header = checkpoint_with("header-past-end", fixture("header_past_end.safetensors"),
                                          "model.safetensors");
  expect_failure(run_cli({"convert", header, "-o", scratch("h.qtx")}), "exceeds the file size");
}

TEST_F(CliTest, MissingOrMisshapenTensorIsNamed) {
  testing::NamedTensors tensors = testing::read_all_tensors("bert4L-vanilla");
  const std::string victim = "bert.encoder.layer.2.attention.self.key.weight";
  testing::NamedTensors missing, misshapen;
  for (auto& [name, t] : tensors) {
    if (name != victim) missing.emplace_back(name, t);
    misshapen.emplace_back(name, name == victim ? t.reshaped({96, 384}) : t);
  }
  for (const auto& [tag, set] : {std::pair{"missing", &missing}, {"misshapen", &misshapen}}) {
    const fs::path dir = scratch(tag);
    fs::create_directories(dir);
    testing::copy_side_files("bert4L-vanilla", dir);
    testing::write_safetensors(dir / "model.safetensors", *set);
    expect_failure(run_cli({"convert", dir, "-o", scratch(std::string(tag) + ".qtx")}), victim);
  }
}

TEST_F(CliTest, FailedConvertLeavesTheExistingOutput) {
  const fs::path out = scratch("keep.qtx");
  write_file(out, "previous contents");
  const fs::path pickle =
      checkpoint_with("os-system-keep", fixture("malicious_os_system.bin"), "pytorch_model.bin");
  EXPECT_EQ(run_cli({"convert", pickle, "-o", out}).exit_code, 1);
  EXPECT_EQ(read_file(out), "previous contents");
}

TEST_F(CliTest, BadInputsAndOptions) {
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  expect_failure(run_cli({"run", bert(), "--text", long_text + "[MASK]"}),
                 "longer than the model's maximum length of 512");
  expect_failure(run_cli({"run", bert(), "--text", "no mask here"}), "has no [MASK]");
  expect_usage_error(run_cli({"run", bert(), "--text", "a [MASK]", "--top-k", "0"}), "--top-k");
  expect_usage_error(run_cli({"run", opt(), "--text", "a", "--max-new-tokens", "-1"}),
                     "--max-new-tokens");
  expect_usage_error(run_cli({"run", opt(), "--text", "a", "--temperature", "-1"}),
                     "--temperature");
  expect_usage_error(run_cli({"run", opt(), "--text", "a", "--top-p", "0"}), "--top-p");
  expect_usage_error(run_cli({"run", bert()}), "--text");
  expect_usage_error(run_cli({"run", bert(), "--text", "a", "--backend", "gpu"}), "--backend");
  expect_usage_error(run_cli({"convert", "/nonexistent-dir", "-o", scratch("x.qtx")}),
                     "/nonexistent-dir");
  expect_usage_error(run_cli({"frobnicate"}), "subcommand");
}

}  // namespace
}  // namespace qtx
