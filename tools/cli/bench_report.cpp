#include "tools/cli/bench_report.h"

#include <cstdio>

namespace qtx::cli {
namespace {

constexpr double kMsPerSecond = 1000.0;
constexpr size_t kProfileTopNodes = 15;

double tokens_per_second(const BenchReport& r, const LatencySummary& forward) {
  return static_cast<double>(r.batch * r.seq) * kMsPerSecond / forward.median_ms;
}

const char* floor_name(const ModelBench& m) {
  return m.int8_gemms ? "int8" : "f32";
}

// The keys that describe one model's timings: the top level's, and the baseline object's.
Json model_json(const BenchReport& r, const ModelBench& m) {
  Json out;
  out.set("model", m.path);
  out.set("architecture", m.info.architecture);
  out.set("recipe", m.info.recipe);
  out.set("median_ms", m.forward.median_ms);
  out.set("p90_ms", m.forward.p90_ms);
  out.set("tokens_per_s", tokens_per_second(r, m.forward));
  if (m.decode) {
    out.set("decode_step_median_ms", m.decode->median_ms);
    out.set("decode_step_p90_ms", m.decode->p90_ms);
  }
  if (r.floor) out.set("floor_ratio", floor_ratio(m, *r.floor));
  if (m.profile) {
    out.set("profile_total_ms", m.profile->total_ms);
    out.set("profile", profile_kinds_json(*m.profile));
    out.set("profile_top_nodes", profile_nodes_json(*m.profile, kProfileTopNodes));
  }
  return out;
}

void print_model_rows(const BenchReport& r, const ModelBench& m, const std::string& prefix) {
  std::printf("%-22s median %.3f ms, p90 %.3f ms, %.1f tokens/s\n", (prefix + "forward").c_str(),
              m.forward.median_ms, m.forward.p90_ms, tokens_per_second(r, m.forward));
  if (m.decode) {
    std::printf("%-22s median %.3f ms, p90 %.3f ms (after %lld prompt tokens)\n",
                (prefix + "decode step").c_str(), m.decode->median_ms, m.decode->p90_ms,
                static_cast<long long>(r.seq));
  }
}

void print_speedups(const BenchReport& r) {
  const ModelBench& base = *r.baseline;
  std::printf("%-22s forward %.2fx", "speed-up", speedup(base.forward, r.model.forward));
  if (r.model.decode && base.decode) {
    std::printf(", decode step %.2fx", speedup(*base.decode, *r.model.decode));
  }
  std::printf(" (baseline median / model median)\n");
}

void print_floor_ratio(const ModelBench& m, const GemmFloor& floor, const std::string& prefix) {
  std::printf("%-22s %.2fx (forward median / %s GEMM floor)\n", (prefix + "floor ratio").c_str(),
              floor_ratio(m, floor), floor_name(m));
}

void print_profile_of(const ModelBench& m, const std::string& prefix) {
  std::printf("%s%s\n", prefix.c_str(), m.path.c_str());
  print_profile(*m.profile, m.forward.median_ms, kProfileTopNodes);
}

}  // namespace

double speedup(const LatencySummary& baseline, const LatencySummary& model) {
  return baseline.median_ms / model.median_ms;
}

double floor_ratio(const ModelBench& model, const GemmFloor& floor) {
  return model.forward.median_ms / (model.int8_gemms ? floor.int8_ms : floor.f32_ms);
}

void print_bench_table(const BenchReport& r) {
  const ModelBench& m = r.model;
  std::printf("%-22s %s (%s, %s)\n", "model", m.path.c_str(), m.info.architecture.c_str(),
              m.info.recipe.c_str());
  if (r.baseline) {
    std::printf("%-22s %s (%s, %s)\n", "baseline", r.baseline->path.c_str(),
                r.baseline->info.architecture.c_str(), r.baseline->info.recipe.c_str());
  }
  std::printf("%-22s %s, %d threads, %s backend\n", "machine", r.machine.describe().c_str(),
              r.threads, r.backend.c_str());
  std::printf("%-22s %lld x %lld tokens, %d iterations%s\n", "input",
              static_cast<long long>(r.batch), static_cast<long long>(r.seq), r.iterations,
              r.baseline ? ", model and baseline alternating" : "");
  print_model_rows(r, m, "");
  if (r.baseline) {
    print_model_rows(r, *r.baseline, "baseline ");
    print_speedups(r);
  }
  std::printf("%-22s %.1f MiB%s\n", "peak RSS", r.peak_rss_mb, r.baseline ? " (both models)" : "");
  if (r.floor) {
    print_gemm_floor(*r.floor);
    print_floor_ratio(m, *r.floor, "");
    if (r.baseline) print_floor_ratio(*r.baseline, *r.floor, "baseline ");
  }
  if (m.profile) print_profile_of(m, "profile of ");
  if (r.baseline && r.baseline->profile) print_profile_of(*r.baseline, "profile of baseline ");
}

Json bench_json(const BenchReport& r) {
  Json out = model_json(r, r.model);
  out.set("backend", r.backend);
  out.set("batch", r.batch);
  out.set("seq", r.seq);
  out.set("threads", r.threads);
  out.set("iterations", r.iterations);
  out.set("peak_rss_mb", r.peak_rss_mb);
  out.set("machine", r.machine.describe());
  out.set("cores", static_cast<int64_t>(r.machine.cores));
  if (r.floor) out.set("gemm_floor", gemm_floor_json(*r.floor));
  if (r.baseline) {
    out.set("baseline", model_json(r, *r.baseline));
    out.set("speedup", speedup(r.baseline->forward, r.model.forward));
    if (r.model.decode && r.baseline->decode) {
      out.set("decode_speedup", speedup(*r.baseline->decode, *r.model.decode));
    }
  }
  return out;
}

}  // namespace qtx::cli
