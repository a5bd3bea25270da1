// `qtx bench`: its statistics on known vectors, its node profile, its JSON and its option
// errors. No timing is asserted: latencies depend on the machine.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>

#include "converter/convert.h"
#include "converter/qtx_writer.h"
#include "engine/format/qtx_loader.h"
#include "engine/util/json.h"
#include "qtx/error.h"
#include "tests/unit/qtx_cli_runner.h"
#include "tools/cli/latency_stats.h"
#include "tools/cli/node_profile.h"

namespace qtx {
namespace {

using cli::quantile;
using cli::summarize_latencies;

TEST(LatencyStats, MedianAndP90InterpolateLikeNumpy) {
  EXPECT_DOUBLE_EQ(quantile({3.0, 1.0, 2.0}, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(quantile({4.0, 1.0, 3.0, 2.0}, 0.5), 2.5);
  // numpy.percentile(range(1, 11), 90) == 9.1
  const std::vector<double> ten{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_NEAR(quantile(ten, 0.9), 9.1, 1e-12);
  EXPECT_DOUBLE_EQ(quantile(ten, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(ten, 1.0), 10.0);
  const cli::LatencySummary s = summarize_latencies({5.0, 100.0, 6.0, 7.0, 8.0});
  EXPECT_DOUBLE_EQ(s.median_ms, 7.0);
  EXPECT_NEAR(s.p90_ms, 8.0 + 0.6 * 92.0, 1e-12);  // rank 3.6 between 8 and 100
  EXPECT_DOUBLE_EQ(quantile({42.0}, 0.9), 42.0);
}

TEST(LatencyStats, RejectsNoSamplesAndBadQuantiles) {
  EXPECT_THROW(quantile({}, 0.5), Error);
  EXPECT_THROW(quantile({1.0}, 1.5), Error);
  EXPECT_THROW(quantile({1.0}, -0.1), Error);
}

class BenchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("bench");
    convert::convert_checkpoint(testing::shared_model_dir("bert4L-vanilla"), bert(), {});
    convert::convert_checkpoint(testing::shared_model_dir("opt4L-vanilla"), opt(), {});
    convert::ConvertOptions w8a8;
    w8a8.quantize.mode = "w8a8";
    w8a8.quantize.calibration_data =
        (std::filesystem::path(QTX_SHARED_DIR) / "data" / "wikitext2_valid.txt").string();
    w8a8.quantize.calibration_samples = 2;
    w8a8.quantize.calibration_seq_len = 16;
    convert::convert_checkpoint(testing::shared_model_dir("bert4L-vanilla"), bert_int8(), w8a8);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string bert() { return (dir_->path() / "bert.qtx").string(); }
  static std::string bert_int8() { return (dir_->path() / "bert_w8a8.qtx").string(); }
  static std::string opt() { return (dir_->path() / "opt.qtx").string(); }
  static testing::TempDir* dir_;
};
testing::TempDir* BenchCli::dir_ = nullptr;

TEST_F(BenchCli, ReportsTheKeysOfItsJson) {
  const auto r = testing::run_qtx({"bench", opt(), "--batch", "2", "--seq", "16", "--warmup", "0",
                                   "--iterations", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json out = Json::parse(r.out, "bench output");
  for (const char* key : {"median_ms", "p90_ms", "tokens_per_s", "peak_rss_mb",
                          "decode_step_median_ms", "decode_step_p90_ms"}) {
    EXPECT_GT(out.at(key).as_number(), 0.0) << key;
  }
  EXPECT_LE(out.at("median_ms").as_number(), out.at("p90_ms").as_number());
  EXPECT_EQ(out.at("batch").as_int(), 2);
  EXPECT_EQ(out.at("seq").as_int(), 16);
  EXPECT_EQ(out.at("recipe").as_string(), "float32");
  EXPECT_FALSE(out.at("machine").as_string().empty());

  const auto encoder = testing::run_qtx(
      {"bench", bert(), "--seq", "8", "--warmup", "0", "--iterations", "1", "--json"});
  ASSERT_EQ(encoder.exit_code, 0) << encoder.err;
  EXPECT_EQ(Json::parse(encoder.out, "bench output").find("decode_step_median_ms"), nullptr);
}

RunInputs ones_inputs(int64_t rows, int64_t cols) {
  RunInputs inputs{Tensor(DType::I32, {rows, cols}), Tensor(DType::I32, {rows, cols})};
  int32_t* ids = inputs.input_ids.data<int32_t>();
  int32_t* mask = inputs.attention_mask.data<int32_t>();
  for (int64_t i = 0; i < rows * cols; ++i) {
    ids[i] = static_cast<int32_t>(5 + i % 100);
    mask[i] = 1;
  }
  return inputs;
}

// The kind each node should get, read off the graph here: Linears by weight dtype and input
// quant params (qtx.fbs's contract), Attention by q's quant params.
std::map<std::string, int64_t> expected_kind_counts(const ModelDef& model) {
  const fb::GraphT& graph = model.graph();
  auto quantized = [&](int index) {
    return graph.tensors[static_cast<size_t>(index)]->quant != nullptr;
  };
  std::map<std::string, int64_t> counts;
  for (const auto& node : graph.nodes) {
    std::string kind = fb::EnumNameOp(node->op.type);
    kind = kind.substr(0, kind.size() - std::string("Attrs").size());
    if (kind == "Linear") {
      const bool int8 = graph.tensors[static_cast<size_t>(node->inputs[1])]->dtype == fb::DType::I8;
      const bool dynamic = node->op.AsLinearAttrs()->dynamic_quant;
      kind += !int8                        ? " float"
              : quantized(node->inputs[0]) ? " int8-static"
              : dynamic                    ? " int8-dynamic"
                                           : " weight-only";
    } else if (kind == "Attention" && quantized(node->inputs[0])) {
      kind += " int8";
    }
    ++counts[kind];
  }
  return counts;
}

// A timer records each node once per run, in graph order, and leaves the outputs bit for bit.
class RecordingTimer : public NodeTimer {
 public:
  void node_done(int node_index, const fb::NodeT& node, double ms) override {
    indices.push_back(node_index);
    names.push_back(node.name);
    EXPECT_GE(ms, 0.0);
  }
  std::vector<int> indices;
  std::vector<std::string> names;
};

TEST_F(BenchCli, NodeTimerSeesEveryNodeAndChangesNoOutput) {
  for (const std::string& path : {bert(), bert_int8()}) {
    const Executor executor(load_qtx(path), {Backend::kCpu, 1});
    const RunInputs inputs = ones_inputs(2, 8);
    const std::vector<Tensor> plain = executor.run(inputs, nullptr);
    RecordingTimer timer;
    const std::vector<Tensor> timed = executor.run(inputs, nullptr, nullptr, &timer);
    const auto& nodes = executor.model().graph().nodes;
    ASSERT_EQ(timer.indices.size(), nodes.size()) << path;
    for (size_t i = 0; i < nodes.size(); ++i) {
      EXPECT_EQ(timer.indices[i], static_cast<int>(i));
      EXPECT_EQ(timer.names[i], nodes[i]->name);
    }
    ASSERT_EQ(plain[0].nbytes(), timed[0].nbytes());
    EXPECT_EQ(std::memcmp(plain[0].raw(), timed[0].raw(), plain[0].nbytes()), 0) << path;
  }
}

// Every node kind of the model appears with its node count; the kinds sum to the node total,
// which (node times being parts of the passes) is at most the passes' wall time.
TEST_F(BenchCli, ProfileCoversEveryNodeKind) {
  for (const std::string& path : {bert(), bert_int8(), opt()}) {
    const Executor executor(load_qtx(path), {Backend::kCpu, 1});
    constexpr int kPasses = 2;
    const auto start = std::chrono::steady_clock::now();
    const cli::NodeProfile profile = cli::profile_forward(executor, ones_inputs(1, 16), 0, kPasses);
    const std::chrono::duration<double, std::milli> wall = std::chrono::steady_clock::now() - start;

    const std::map<std::string, int64_t> expected = expected_kind_counts(executor.model());
    std::map<std::string, int64_t> counts;
    double kind_sum = 0.0;
    for (const cli::KindTime& k : profile.kinds) {
      counts[k.kind] = k.nodes;
      kind_sum += k.ms;
      EXPECT_GE(k.ms, 0.0) << k.kind;
    }
    EXPECT_EQ(counts, expected) << path;
    EXPECT_EQ(profile.nodes.size(), executor.model().graph().nodes.size());
    EXPECT_EQ(profile.forwards, kPasses);
    EXPECT_GT(profile.total_ms, 0.0);
    EXPECT_NEAR(kind_sum, profile.total_ms, 1e-9 * profile.total_ms);
    EXPECT_LE(profile.total_ms * kPasses, wall.count());
    for (size_t i = 1; i < profile.kinds.size(); ++i) {
      EXPECT_GE(profile.kinds[i - 1].ms, profile.kinds[i].ms);
    }
  }
  const auto int8_kinds = expected_kind_counts(*load_qtx(bert_int8()));
  EXPECT_TRUE(int8_kinds.contains("Linear int8-static"));  // the model exercises the int8 kinds
  EXPECT_TRUE(int8_kinds.contains("Attention int8"));
}

TEST_F(BenchCli, ProfileJson) {
  const auto r = testing::run_qtx({"bench", bert_int8(), "--seq", "8", "--warmup", "0",
                                   "--iterations", "1", "--threads", "1", "--profile", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json out = Json::parse(r.out, "bench output");
  std::map<std::string, int64_t> counts;
  double percent = 0.0;
  for (const Json& k : out.at("profile").as_array()) {
    counts[k.at("kind").as_string()] = k.at("nodes").as_int();
    percent += k.at("percent").as_number();
  }
  EXPECT_EQ(counts, expected_kind_counts(*load_qtx(bert_int8())));
  EXPECT_NEAR(percent, 100.0, 1e-6);
  EXPECT_GT(out.at("profile_total_ms").as_number(), 0.0);
  EXPECT_EQ(out.at("profile_top_nodes").as_array().size(), 15U);

  const auto text = testing::run_qtx(
      {"bench", bert(), "--seq", "8", "--warmup", "0", "--iterations", "1", "--profile"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Linear float"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("slowest nodes"), std::string::npos) << text.out;
}

Json bench_json(const std::vector<std::string>& args) {
  const auto r = testing::run_qtx(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(r.out, "bench output");
}

double number(const Json& json, const char* key) {
  return json.at(key).as_number();
}

// The int8 file against its float32 baseline in one run: both rows, the speed-up from their
// medians, the floor and each model's ratio over the floor of its own precision.
TEST_F(BenchCli, BaselineAndGemmFloorJson) {
  const Json out =
      bench_json({"bench", bert_int8(), "--baseline", bert(), "--seq", "8", "--warmup", "0",
                  "--iterations", "2", "--threads", "1", "--gemm-floor", "--json"});
  const Json& base = out.at("baseline");
  EXPECT_EQ(out.at("recipe").as_string(), "w8a8");
  EXPECT_EQ(base.at("recipe").as_string(), "float32");
  EXPECT_EQ(base.at("model").as_string(), bert());
  for (const Json* row : {&out, &base}) {
    for (const char* key : {"median_ms", "p90_ms", "tokens_per_s", "floor_ratio"}) {
      EXPECT_GT(number(*row, key), 0.0) << key;
    }
    EXPECT_EQ(row->find("decode_step_median_ms"), nullptr);
  }
  EXPECT_DOUBLE_EQ(number(out, "speedup"), number(base, "median_ms") / number(out, "median_ms"));
  EXPECT_EQ(out.find("decode_speedup"), nullptr);

  const Json& floor = out.at("gemm_floor");
  EXPECT_GT(number(floor, "f32_ms"), 0.0);
  EXPECT_GT(number(floor, "int8_ms"), 0.0);
  EXPECT_DOUBLE_EQ(number(out, "floor_ratio"), number(out, "median_ms") / number(floor, "int8_ms"));
  EXPECT_DOUBLE_EQ(number(base, "floor_ratio"),
                   number(base, "median_ms") / number(floor, "f32_ms"));
  // Every Linear of bert4L sees the 8 tokens: its shapes are the graph's [N, K] weights.
  const auto model = load_qtx(bert());
  std::map<std::vector<int64_t>, int64_t> expected;
  for (const auto& node : model->graph().nodes) {
    if (node->op.type != fb::Op::LinearAttrs) continue;
    const auto& shape = model->graph().tensors[static_cast<size_t>(node->inputs[1])]->shape;
    ++expected[{8, shape[1], shape[0]}];
  }
  std::map<std::vector<int64_t>, int64_t> shapes;
  double f32_total = 0.0;
  for (const Json& s : floor.at("shapes").as_array()) {
    shapes[{s.at("m").as_int(), s.at("k").as_int(), s.at("n").as_int()}] = s.at("count").as_int();
    f32_total += number(s, "count") * number(s, "f32_us") / 1000.0;
  }
  EXPECT_EQ(shapes, expected);
  EXPECT_NEAR(f32_total, number(floor, "f32_ms"), 1e-9 * f32_total);
}

TEST_F(BenchCli, BaselineDecodeSpeedupAndText) {
  const Json out = bench_json({"bench", opt(), "--baseline", opt(), "--seq", "8", "--warmup", "0",
                               "--iterations", "2", "--threads", "1", "--json"});
  const Json& base = out.at("baseline");
  EXPECT_GT(number(base, "decode_step_median_ms"), 0.0);
  EXPECT_DOUBLE_EQ(number(out, "decode_speedup"),
                   number(base, "decode_step_median_ms") / number(out, "decode_step_median_ms"));
  EXPECT_EQ(out.find("gemm_floor"), nullptr);

  const auto text = testing::run_qtx({"bench", bert_int8(), "--baseline", bert(), "--seq", "8",
                                      "--warmup", "0", "--iterations", "1", "--gemm-floor"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* line : {"baseline forward", "speed-up", "gemm floor", "baseline floor ratio",
                           "/ int8 GEMM floor", "/ f32 GEMM floor"}) {
    EXPECT_NE(text.out.find(line), std::string::npos) << line << " in\n" << text.out;
  }
}

// A speed-up between different models means nothing: refused before any timing.
TEST_F(BenchCli, BaselineOfAnotherModelIsAnError) {
  ModelDef shorter = convert::build_model(testing::shared_model_dir("bert4L-vanilla"), {});
  shorter.desc.config->max_positions = 256;
  const std::string shorter_path = (dir_->path() / "bert_256.qtx").string();
  convert::write_qtx(shorter, shorter_path);
  const std::vector<std::pair<std::string, std::string>> cases{{opt(), "is OPTForCausalLM"},
                                                               {shorter_path, "has 256 positions"}};
  for (const auto& [baseline, message] : cases) {
    const auto r = testing::run_qtx({"bench", bert_int8(), "--baseline", baseline, "--seq", "8"});
    EXPECT_EQ(r.exit_code, 1) << baseline;
    EXPECT_NE(r.err.find("bench: the baseline"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  const auto missing = testing::run_qtx({"bench", bert(), "--baseline", "/nonexistent.qtx"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

TEST_F(BenchCli, OptionErrors) {
  const auto too_long = testing::run_qtx({"bench", bert(), "--seq", "513"});
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_NE(too_long.err.find("exceeds the 512 positions"), std::string::npos) << too_long.err;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"bench", bert(), "--batch", "0"},
        {"bench", bert(), "--seq", "0"},
        {"bench", bert(), "--iterations", "0"},
        {"bench", bert(), "--backend", "gpu"},
        {"bench", "/nonexistent/model.qtx"}}) {
    const auto r = testing::run_qtx(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.err;
  }
}

}  // namespace
}  // namespace qtx
