// `qtx bench`: its statistics on known vectors and its option errors. No timing is asserted:
// latencies depend on the machine.
#include <gtest/gtest.h>

#include "converter/convert.h"
#include "engine/util/json.h"
#include "qtx/error.h"
#include "tests/unit/qtx_cli_runner.h"
// The CLI's helpers are not in a library the tests link, so the one under test is compiled in.
#include "tools/cli/latency_stats.h"

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
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string bert() { return (dir_->path() / "bert.qtx").string(); }
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
