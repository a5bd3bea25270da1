// `qtx bench MODEL.qtx --batch B --seq S`: latency of a forward pass as a library user gets it
// (Session::forward on random valid token ids), median and p90 over timed iterations after a
// warm-up; for decoders also one generation step with a KV cache after a prompt of S tokens.
// --profile adds the forward pass's time per node kind (tools/cli/node_profile.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "engine/format/qtx_loader.h"
#include "engine/util/json.h"
#include "qtx/qtx.h"
#include "tools/cli/commands.h"
#include "tools/cli/decode_bench.h"
#include "tools/cli/latency_stats.h"
#include "tools/cli/machine_info.h"
#include "tools/cli/node_profile.h"

namespace qtx::cli {
namespace {

constexpr uint64_t kTokenSeed = 0;
constexpr double kMsPerSecond = 1000.0;
constexpr size_t kProfileTopNodes = 15;

struct BenchOptions {
  std::string model_path;
  int64_t batch = 1;
  int64_t seq = 128;
  int threads = 0;
  int warmup = 3;
  int iterations = 20;
  bool json = false;
  bool profile = false;
  std::string backend = "cpu";
};

struct BenchResult {
  ModelInfo info;
  LatencySummary forward;
  bool has_decode = false;
  LatencySummary decode;
  double peak_rss_mb = 0.0;
  std::optional<NodeProfile> profile;
};

std::vector<std::vector<int32_t>> random_batch(const BenchOptions& o, int64_t vocab) {
  std::mt19937_64 rng(kTokenSeed);
  std::vector<std::vector<int32_t>> batch(static_cast<size_t>(o.batch));
  for (auto& row : batch) {
    row.resize(static_cast<size_t>(o.seq));
    for (int32_t& id : row) id = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
  }
  return batch;
}

// The same tokens as the executor's inputs: every row full length, so no padding.
RunInputs executor_inputs(const std::vector<std::vector<int32_t>>& batch) {
  const auto rows = static_cast<int64_t>(batch.size());
  const auto cols = static_cast<int64_t>(batch.front().size());
  RunInputs inputs{Tensor(DType::I32, {rows, cols}), Tensor(DType::I32, {rows, cols})};
  int32_t* ids = inputs.input_ids.data<int32_t>();
  for (const auto& row : batch) ids = std::copy(row.begin(), row.end(), ids);
  int32_t* mask = inputs.attention_mask.data<int32_t>();
  std::fill(mask, mask + inputs.attention_mask.numel(), 1);
  return inputs;
}

std::vector<double> time_forward(const Session& session, const BenchOptions& o) {
  const auto batch = random_batch(o, session.model().info().vocab_size);
  for (int i = 0; i < o.warmup; ++i) session.forward(batch);
  std::vector<double> samples;
  for (int i = 0; i < o.iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const ForwardResult result = session.forward(batch);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    samples.push_back(elapsed.count());
  }
  return samples;
}

void check_sizes(const BenchOptions& o, const ModelInfo& info) {
  if (o.seq > info.max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: --seq " + std::to_string(o.seq) + " exceeds the " +
                    std::to_string(info.max_positions) + " positions of " + o.model_path);
  }
}

// The forward pass through the public API, then (decoders) the decode step through an Executor
// of its own; the Session is gone by then, so the peak memory is the forward pass's.
BenchResult run_benchmarks(const BenchOptions& o) {
  BenchResult result;
  const bool reference = o.backend == "reference";
  {
    SessionOptions session_options;
    session_options.backend =
        reference ? SessionOptions::Backend::kReference : SessionOptions::Backend::kCpu;
    session_options.threads = o.threads;
    const Session session(Model::load(o.model_path), session_options);
    result.info = session.model().info();
    check_sizes(o, result.info);
    result.forward = summarize_latencies(time_forward(session, o));
    result.peak_rss_mb = peak_rss_mb();
  }
  const Executor executor(load_qtx(o.model_path),
                          {reference ? Backend::kReference : Backend::kCpu, o.threads});
  if (o.profile) {
    result.profile = profile_forward(
        executor, executor_inputs(random_batch(o, result.info.vocab_size)), o.warmup, o.iterations);
  }
  if (result.info.head != ModelHead::kCausalLM) return result;
  result.decode =
      summarize_latencies(time_decode_steps(executor, {o.seq, o.warmup, o.iterations, kTokenSeed}));
  result.has_decode = true;
  return result;
}

int effective_threads(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
}

double tokens_per_second(const BenchOptions& o, const LatencySummary& forward) {
  return static_cast<double>(o.batch * o.seq) * kMsPerSecond / forward.median_ms;
}

void print_json(const BenchOptions& o, const BenchResult& r, const MachineInfo& machine) {
  Json out;
  out.set("model", o.model_path);
  out.set("architecture", r.info.architecture);
  out.set("recipe", r.info.recipe);
  out.set("backend", o.backend);
  out.set("batch", o.batch);
  out.set("seq", o.seq);
  out.set("threads", effective_threads(o.threads));
  out.set("iterations", o.iterations);
  out.set("median_ms", r.forward.median_ms);
  out.set("p90_ms", r.forward.p90_ms);
  out.set("tokens_per_s", tokens_per_second(o, r.forward));
  if (r.has_decode) {
    out.set("decode_step_median_ms", r.decode.median_ms);
    out.set("decode_step_p90_ms", r.decode.p90_ms);
  }
  out.set("peak_rss_mb", r.peak_rss_mb);
  if (r.profile) {
    out.set("profile_total_ms", r.profile->total_ms);
    out.set("profile", profile_kinds_json(*r.profile));
    out.set("profile_top_nodes", profile_nodes_json(*r.profile, kProfileTopNodes));
  }
  out.set("machine", machine.describe());
  out.set("cores", static_cast<int64_t>(machine.cores));
  std::cout << out.dump() << "\n";
}

void print_table(const BenchOptions& o, const BenchResult& r, const MachineInfo& machine) {
  std::printf("%-22s %s (%s, %s)\n", "model", o.model_path.c_str(), r.info.architecture.c_str(),
              r.info.recipe.c_str());
  std::printf("%-22s %s, %d threads, %s backend\n", "machine", machine.describe().c_str(),
              effective_threads(o.threads), o.backend.c_str());
  std::printf("%-22s %lld x %lld tokens, %d iterations\n", "input", static_cast<long long>(o.batch),
              static_cast<long long>(o.seq), o.iterations);
  std::printf("%-22s median %.3f ms, p90 %.3f ms, %.1f tokens/s\n", "forward", r.forward.median_ms,
              r.forward.p90_ms, tokens_per_second(o, r.forward));
  if (r.has_decode) {
    std::printf("%-22s median %.3f ms, p90 %.3f ms (after %lld prompt tokens)\n", "decode step",
                r.decode.median_ms, r.decode.p90_ms, static_cast<long long>(o.seq));
  }
  std::printf("%-22s %.1f MiB\n", "peak RSS", r.peak_rss_mb);
  if (r.profile) print_profile(*r.profile, r.forward.median_ms, kProfileTopNodes);
}

void run_bench(const BenchOptions& o) {
  const BenchResult result = run_benchmarks(o);
  const MachineInfo machine = machine_info();
  if (o.json) {
    print_json(o, result, machine);
  } else {
    print_table(o, result, machine);
  }
}

void add_options(CLI::App& cmd, BenchOptions& o) {
  cmd.add_option("model", o.model_path, "the .qtx file")->required()->check(CLI::ExistingFile);
  cmd.add_option("--batch", o.batch, "sequences per forward pass")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  cmd.add_option("--seq", o.seq,
                 "tokens per sequence; for decoders also the prompt before the decode step")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd.add_option("--threads", o.threads, "0: all cores")->check(CLI::Range(0, 4096));
  cmd.add_option("--warmup", o.warmup, "untimed runs first")->check(CLI::Range(0, 1 << 20));
  cmd.add_option("--iterations", o.iterations, "timed runs")->check(CLI::Range(1, 1 << 20));
  cmd.add_option("--backend", o.backend, "cpu or reference")
      ->check(CLI::IsMember({"cpu", "reference"}));
  cmd.add_flag("--json", o.json, "print one JSON object");
  cmd.add_flag("--profile", o.profile,
               "also time every node of the forward pass (after the benchmark, same warm-up and "
               "iterations) and report the time per node kind and the slowest nodes");
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Latency of a .qtx model on random tokens");
  add_options(*cmd, *options);
  cmd->callback([options] { run_bench(*options); });
}

}  // namespace qtx::cli
