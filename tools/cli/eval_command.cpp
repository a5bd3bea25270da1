// `qtx eval MODEL.qtx --text-file FILE`: perplexity on a text file (masked-LM perplexity for
// encoders, causal perplexity for decoders), and with --compare the same inputs through a
// second model (e.g. the int8 conversion of the same checkpoint) to measure what changed.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>

#include "engine/util/json.h"
#include "tools/cli/causal_windows.h"
#include "tools/cli/commands.h"
#include "tools/cli/eval_scorer.h"
#include "tools/cli/eval_text.h"
#include "tools/cli/mlm_masking.h"
#include "tools/cli/window_dump.h"

namespace qtx::cli {
namespace {

// The shared models' metrics.json perplexities on wikitext2_test.txt are reproduced with
// windows of 128 tokens for masked LMs (their training length) and 256 for causal LMs (both
// checked against Hugging Face by tests/tools/check_perplexity.py), so those are the defaults.
constexpr int64_t kDefaultMaskedWindow = 128;
constexpr int64_t kDefaultCausalWindow = 256;
constexpr int64_t kMinWindow = 4;
constexpr auto kProgressInterval = std::chrono::seconds(2);

struct EvalOptions {
  std::string model_path;
  std::string text_file;
  std::string compare_path;
  std::string dump_windows;
  std::string backend = "cpu";
  int64_t window = 0;  // 0: the default of the model's head, capped at its max_positions
  int batch_size = 4;  // 4 windows of 256 x 50k float logits: about 200 MB a model
  uint64_t seed = 0;
  double mask_prob = 0.15;
  int64_t max_windows = 0;  // 0: all
  int threads = 0;
  bool json = false;
};

struct LoadedModel {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Session> session;
};

LoadedModel load_model(const std::string& path, const EvalOptions& options) {
  LoadedModel loaded;
  loaded.model = Model::load(path);
  const ModelHead head = loaded.model->info().head;
  if (head != ModelHead::kMaskedLM && head != ModelHead::kCausalLM) {
    throw Error(ErrorCode::kUnsupported, path +
                                             ": eval needs a masked-lm or causal-lm head, "
                                             "the model has '" +
                                             std::string(head_name(head)) + "'");
  }
  SessionOptions session;
  session.backend = options.backend == "reference" ? SessionOptions::Backend::kReference
                                                   : SessionOptions::Backend::kCpu;
  session.threads = options.threads;
  loaded.session = std::make_unique<Session>(loaded.model, session);
  return loaded;
}

int64_t window_length(const EvalOptions& options, const ModelInfo& info) {
  if (options.window == 0) {
    const int64_t window =
        info.head == ModelHead::kMaskedLM ? kDefaultMaskedWindow : kDefaultCausalWindow;
    return std::min(window, info.max_positions);
  }
  if (options.window > info.max_positions) {
    throw Error(ErrorCode::kInvalidArgument,
                "eval: --window " + std::to_string(options.window) + " exceeds the " +
                    std::to_string(info.max_positions) + " positions of " + options.model_path);
  }
  return options.window;
}

std::vector<ScoredWindow> make_windows(const LoadedModel& m, int64_t window,
                                       const EvalOptions& options) {
  const std::vector<int32_t> stream = read_token_stream(options.text_file, *m.model);
  std::vector<ScoredWindow> windows;
  if (m.model->info().head == ModelHead::kMaskedLM) {
    MaskingSpec spec;
    spec.window = window;
    spec.mask_prob = options.mask_prob;
    spec.seed = options.seed;
    spec.special = m.model->special_tokens();
    spec.random_vocab = m.model->tokenizer_size();
    windows = make_masked_windows(stream, spec);
  } else {
    windows = make_causal_windows(stream, window, m.model->special_tokens().bos);
  }
  if (options.max_windows > 0 && windows.size() > static_cast<size_t>(options.max_windows)) {
    windows.resize(static_cast<size_t>(options.max_windows));
  }
  return windows;
}

void check_comparable(const LoadedModel& a, const LoadedModel& b) {
  const ModelInfo& x = a.model->info();
  const ModelInfo& y = b.model->info();
  const std::string names = a.model->path() + " and " + b.model->path();
  if (x.head != y.head || x.vocab_size != y.vocab_size) {
    throw Error(ErrorCode::kInvalidArgument,
                "compare: " + names + " differ in head or output width (" +
                    std::string(head_name(x.head)) + " x " + std::to_string(x.vocab_size) + " vs " +
                    std::string(head_name(y.head)) + " x " + std::to_string(y.vocab_size) + ")");
  }
  require_same_vocabulary(*a.model, *b.model);
}

EvalProgress progress_printer() {
  auto last =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [last](size_t done, size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < kProgressInterval && done != total) return;
    *last = now;
    std::cerr << "eval: " << done << "/" << total << " windows\n";
  };
}

double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double max_of(const std::vector<double>& values) {
  double result = 0.0;
  for (double v : values) result = std::max(result, v);
  return result;
}

struct Report {
  std::string model;
  std::string compared;
  int64_t window = 0;
  size_t windows = 0;
  const EvalScore* score = nullptr;
};

void print_json(const Report& r) {
  Json out;
  out.set("model", r.model);
  out.set("perplexity", r.score->nll.perplexity());
  out.set("tokens", r.score->nll.count());
  out.set("windows", static_cast<int64_t>(r.windows));
  out.set("window", r.window);
  if (!r.compared.empty()) {
    const double other = r.score->compared_nll.perplexity();
    Json compare;
    compare.set("model", r.compared);
    compare.set("perplexity", other);
    compare.set("relative_change", other / r.score->nll.perplexity() - 1.0);
    compare.set("logits_rel_error_mean", mean_of(r.score->window_errors));
    compare.set("logits_rel_error_max", max_of(r.score->window_errors));
    out.set("compare", std::move(compare));
  }
  std::cout << out.dump() << "\n";
}

void print_line(const std::string& label, const std::string& value) {
  std::printf("%-24s %s\n", label.c_str(), value.c_str());
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

void print_table(const Report& r) {
  const double ppl = r.score->nll.perplexity();
  print_line("model", r.model);
  print_line("windows", std::to_string(r.windows) + " x " + std::to_string(r.window) + " tokens");
  print_line("scored tokens", std::to_string(r.score->nll.count()));
  print_line("perplexity", format("%.4f", ppl));
  if (r.compared.empty()) return;
  const double other = r.score->compared_nll.perplexity();
  print_line("compared model", r.compared);
  print_line("compared perplexity", format("%.4f", other));
  print_line("relative change", format("%+.4f%%", 100.0 * (other / ppl - 1.0)));
  print_line("logits rel. error mean", format("%.3e", mean_of(r.score->window_errors)));
  print_line("logits rel. error max", format("%.3e", max_of(r.score->window_errors)));
}

void run_eval(const EvalOptions& options) {
  const LoadedModel model = load_model(options.model_path, options);
  LoadedModel compared;
  if (!options.compare_path.empty()) {
    compared = load_model(options.compare_path, options);
    check_comparable(model, compared);
  }
  const int64_t window = window_length(options, model.model->info());
  const std::vector<ScoredWindow> windows = make_windows(model, window, options);
  if (!options.dump_windows.empty()) write_windows_json(options.dump_windows, windows);
  const EvalScore score =
      score_windows(*model.session, compared.session.get(), windows,
                    static_cast<size_t>(options.batch_size), options.threads, progress_printer());
  const Report report{options.model_path, options.compare_path, window, windows.size(), &score};
  if (options.json) {
    print_json(report);
  } else {
    print_table(report);
  }
}

void add_options(CLI::App& cmd, EvalOptions& o) {
  cmd.add_option("model", o.model_path, "the .qtx file")->required()->check(CLI::ExistingFile);
  cmd.add_option("--text-file", o.text_file, "the text to score, tokenized whole")
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--window", o.window,
                 "tokens per window, framing included; at most the model's max_positions. "
                 "Default 128 for masked LMs and 256 for causal LMs: the windows that "
                 "reproduce the shared models' metrics.json perplexities")
      ->check(CLI::Range(kMinWindow, std::numeric_limits<int64_t>::max()));
  cmd.add_option("--batch-size", o.batch_size, "windows per model call (default 4)")
      ->check(CLI::Range(1, 4096));
  cmd.add_option("--seed", o.seed, "masked LM: seed of the mask choice (default 0)");
  cmd.add_option("--mask-prob", o.mask_prob, "masked LM: share of tokens scored (default 0.15)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--compare", o.compare_path,
                 "a second .qtx with the same tokenizer, scored on identical inputs")
      ->check(CLI::ExistingFile);
  cmd.add_option("--max-windows", o.max_windows, "score only the first N windows (0: all)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  cmd.add_option("--dump-windows", o.dump_windows,
                 "write the scored inputs, positions and targets as JSON");
  cmd.add_option("--threads", o.threads, "threads of the models and the scoring (0: all cores)")
      ->check(CLI::Range(0, 4096));
  cmd.add_option("--backend", o.backend, "cpu or reference")
      ->check(CLI::IsMember({"cpu", "reference"}));
  cmd.add_flag("--json", o.json, "print one JSON object");
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Perplexity of a .qtx model on a text file");
  add_options(*cmd, *options);
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace qtx::cli
