// `qtx bench MODEL.qtx --batch B --seq S`: latency of a forward pass as a library user gets it
// (Session::forward on random valid token ids), median and p90 over timed iterations after a
// warm-up; for decoders also one generation step with a KV cache after a prompt of S tokens.
// --baseline OTHER.qtx times a second file of the same model in the same process, iterations
// alternating, and reports the speed-up; --gemm-floor compares with oneDNN's matmuls alone
// (tools/cli/gemm_floor.h); --profile adds the time per node kind (tools/cli/node_profile.h).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "engine/format/qtx_loader.h"
#include "qtx/qtx.h"
#include "tools/cli/bench_report.h"
#include "tools/cli/commands.h"
#include "tools/cli/decode_bench.h"
#include "tools/cli/interleaved_timing.h"

namespace qtx::cli {
namespace {

constexpr uint64_t kTokenSeed = 0;

struct BenchOptions {
  std::string model_path;
  std::string baseline_path;  // empty: no baseline
  int64_t batch = 1;
  int64_t seq = 128;
  int threads = 0;
  int warmup = 3;
  int iterations = 20;
  bool json = false;
  bool profile = false;
  bool gemm_floor = false;
  std::string backend = "cpu";

  Backend engine_backend() const {
    return backend == "reference" ? Backend::kReference : Backend::kCpu;
  }
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

void check_sizes(const BenchOptions& o, const std::string& path, const ModelInfo& info) {
  if (o.seq > info.max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: --seq " + std::to_string(o.seq) + " exceeds the " +
                    std::to_string(info.max_positions) + " positions of " + path);
  }
}

void check_same_size(const BenchOptions& o, const std::string& what, int64_t model,
                     int64_t baseline) {
  if (model != baseline) {
    throw Error(ErrorCode::kInvalidArgument,
                "bench: the baseline " + o.baseline_path + " has " + std::to_string(baseline) +
                    " " + what + ", the model " + o.model_path + " " + std::to_string(model));
  }
}

// A speed-up means something only between two files of one model (e.g. int8 and float32).
void check_comparable(const BenchOptions& o, const ModelInfo& model, const ModelInfo& baseline) {
  if (model.architecture != baseline.architecture) {
    throw Error(ErrorCode::kInvalidArgument, "bench: the baseline " + o.baseline_path + " is " +
                                                 baseline.architecture + ", the model " +
                                                 o.model_path + " is " + model.architecture +
                                                 ": compare two files of one model");
  }
  check_same_size(o, "vocabulary entries", model.vocab_size, baseline.vocab_size);
  check_same_size(o, "positions", model.max_positions, baseline.max_positions);
  check_same_size(o, "layers", model.num_layers, baseline.num_layers);
  check_same_size(o, "hidden units", model.hidden_size, baseline.hidden_size);
}

TimedStep timed_forward(const Session& session, const std::vector<std::vector<int32_t>>& batch) {
  return [&session, &batch] {
    const auto start = std::chrono::steady_clock::now();
    const ForwardResult result = session.forward(batch);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    return elapsed.count();
  };
}

// The forward passes through the public API, every model's Session alive and their iterations
// alternating; the Sessions are gone afterwards, so the peak memory is the forward passes'.
void bench_forward(const BenchOptions& o, BenchReport& report, std::vector<ModelBench*>& models) {
  std::vector<std::unique_ptr<Session>> sessions;
  SessionOptions session_options;
  session_options.backend = o.backend == "reference" ? SessionOptions::Backend::kReference
                                                     : SessionOptions::Backend::kCpu;
  session_options.threads = o.threads;
  for (ModelBench* m : models) {
    sessions.push_back(std::make_unique<Session>(Model::load(m->path), session_options));
    m->info = sessions.back()->model().info();
    check_sizes(o, m->path, m->info);
  }
  if (report.baseline) check_comparable(o, report.model.info, report.baseline->info);
  const auto batch = random_batch(o, report.model.info.vocab_size);
  std::vector<TimedStep> steps;
  for (const auto& session : sessions) steps.push_back(timed_forward(*session, batch));
  const auto samples = time_interleaved(steps, o.warmup, o.iterations);
  for (size_t j = 0; j < models.size(); ++j) {
    models[j]->forward = summarize_latencies(samples[j]);
  }
  report.peak_rss_mb = peak_rss_mb();
}

void bench_decode(const BenchOptions& o, const std::vector<std::unique_ptr<Executor>>& executors,
                  std::vector<ModelBench*>& models) {
  std::vector<std::unique_ptr<DecodeLoop>> loops;
  std::vector<TimedStep> steps;
  for (const auto& executor : executors) {
    loops.push_back(std::make_unique<DecodeLoop>(*executor, DecodeBenchSpec{o.seq, kTokenSeed}));
    steps.push_back([loop = loops.back().get()] { return loop->step(); });
  }
  const auto samples = time_interleaved(steps, o.warmup, o.iterations);
  for (size_t j = 0; j < models.size(); ++j) {
    models[j]->decode = summarize_latencies(samples[j]);
  }
}

int effective_threads(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
}

// Forward passes first (Sessions, as a library user runs them); then, on Executors of their
// own, the node profiles, the decode steps of decoders and the GEMM floor.
BenchReport run_benchmarks(const BenchOptions& o) {
  BenchReport report;
  report.backend = o.backend;
  report.batch = o.batch;
  report.seq = o.seq;
  report.threads = effective_threads(o.threads);
  report.iterations = o.iterations;
  report.model.path = o.model_path;
  if (!o.baseline_path.empty()) {
    report.baseline.emplace();
    report.baseline->path = o.baseline_path;
  }
  std::vector<ModelBench*> models{&report.model};
  if (report.baseline) models.push_back(&*report.baseline);

  bench_forward(o, report, models);
  std::vector<std::unique_ptr<Executor>> executors;
  for (ModelBench* m : models) {
    executors.push_back(std::make_unique<Executor>(load_qtx(m->path),
                                                   ExecutorOptions{o.engine_backend(), o.threads}));
    m->int8_gemms = uses_int8_gemms(executors.back()->model());
  }
  if (o.profile) {
    const RunInputs inputs = executor_inputs(random_batch(o, report.model.info.vocab_size));
    for (size_t j = 0; j < models.size(); ++j) {
      models[j]->profile = profile_forward(*executors[j], inputs, o.warmup, o.iterations);
    }
  }
  if (report.model.info.head == ModelHead::kCausalLM) bench_decode(o, executors, models);
  if (o.gemm_floor) {
    report.floor =
        measure_gemm_floor(executors.front()->model(), o.batch * o.seq, o.batch, o.threads);
  }
  report.machine = machine_info();
  return report;
}

void run_bench(const BenchOptions& o) {
  const BenchReport report = run_benchmarks(o);
  if (o.json) {
    std::cout << bench_json(report).dump() << "\n";
  } else {
    print_bench_table(report);
  }
}

void add_options(CLI::App& cmd, BenchOptions& o) {
  cmd.add_option("model", o.model_path, "the .qtx file")->required()->check(CLI::ExistingFile);
  cmd.add_option("--baseline", o.baseline_path,
                 "another .qtx file of the same model (e.g. float32) timed in the same run, "
                 "iterations alternating; reports the speed-up baseline / model")
      ->check(CLI::ExistingFile);
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
  cmd.add_flag("--gemm-floor", o.gemm_floor,
               "also time oneDNN's matmuls alone for the model's Linear shapes (f32 and int8) and "
               "report forward median / floor");
  cmd.add_flag("--profile", o.profile,
               "also time every node of the forward pass (after the benchmark, same warm-up and "
               "iterations) and report the time per node kind and the slowest nodes");
  cmd.add_flag("--json", o.json, "print one JSON object");
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Latency of a .qtx model on random tokens");
  add_options(*cmd, *options);
  cmd->callback([options] { run_bench(*options); });
}

}  // namespace qtx::cli
