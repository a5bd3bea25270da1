// What one `qtx bench` run measured (a model, optionally a baseline timed alongside it, the
// GEMM floor, the node profiles) and its two renderings: bench's text table and its --json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/util/json.h"
#include "qtx/qtx.h"
#include "tools/cli/gemm_floor.h"
#include "tools/cli/latency_stats.h"
#include "tools/cli/machine_info.h"
#include "tools/cli/node_profile.h"

namespace qtx::cli {

struct ModelBench {
  std::string path;
  ModelInfo info;
  bool int8_gemms = false;  // compared with the int8 GEMM floor rather than the f32 one
  LatencySummary forward;
  std::optional<LatencySummary> decode;  // decoders: one generation step
  std::optional<NodeProfile> profile;
};

struct BenchReport {
  std::string backend;
  int64_t batch = 0;
  int64_t seq = 0;
  int threads = 0;  // as run: 0 became the core count
  int iterations = 0;
  ModelBench model;
  std::optional<ModelBench> baseline;
  std::optional<GemmFloor> floor;
  double peak_rss_mb = 0.0;  // the process's, so both models' when a baseline is given
  MachineInfo machine;
};

// baseline median / model median: how much faster the model is than its baseline.
double speedup(const LatencySummary& baseline, const LatencySummary& model);

// The model's forward median over the GEMM floor that matches how its Linears compute.
double floor_ratio(const ModelBench& model, const GemmFloor& floor);

void print_bench_table(const BenchReport& report);
Json bench_json(const BenchReport& report);

}  // namespace qtx::cli
