// `qtx run MODEL.qtx --text ... | --file ...`: runs a model on text the way its head calls
// for: fill-mask (masked LM), continuation (causal LM), class probabilities (classifier) or a
// pooled embedding (headless encoder).
#include <fstream>
#include <limits>
#include <memory>

#include "engine/format/qtx_loader.h"
#include "engine/runtime/executor.h"
#include "tools/cli/commands.h"
#include "tools/cli/intermediates_dump.h"
#include "tools/cli/npy_writer.h"
#include "tools/cli/run_options.h"

namespace qtx::cli {
namespace {

// One input per non-empty line; a trailing '\r' (a file from Windows) is dropped.
std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open the input file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
  }
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": reading the input file failed");
  if (lines.empty()) throw Error(ErrorCode::kInvalidArgument, path + ": no input lines");
  return lines;
}

std::vector<std::string> read_inputs(const RunOptions& options) {
  if (!options.file.empty()) return read_lines(options.file);
  if (!options.text_given) {
    throw CLI::ValidationError("run", "give the input with --text TEXT or --file FILE");
  }
  return {options.text};
}

SessionOptions session_options(const RunOptions& options) {
  SessionOptions session;
  session.backend = options.backend == "reference" ? SessionOptions::Backend::kReference
                                                   : SessionOptions::Backend::kCpu;
  session.threads = options.threads;
  return session;
}

Sequences run_task(const Session& session, const std::vector<std::string>& inputs,
                   const RunOptions& options) {
  switch (session.model().info().head) {
    case ModelHead::kMaskedLM:
      return run_fill_mask(session, inputs, options);
    case ModelHead::kCausalLM:
      return run_generation(session, inputs, options);
    case ModelHead::kSequenceClassification:
      return run_classification(session, inputs, options);
    case ModelHead::kNone:
      return run_embedding(session, inputs, options);
  }
  throw Error(ErrorCode::kInternal, "run: unknown model head");
}

}  // namespace

InputLimit input_limit(const RunOptions& options, bool truncate_by_default) {
  return {options.max_length, truncate_by_default || options.truncate};
}

namespace {

// Every node's output for the task's sequences, from an executor on the same file and options.
void write_intermediates(const Sequences& sequences, const RunOptions& options) {
  ExecutorOptions executor_options;
  executor_options.backend = options.backend == "reference" ? Backend::kReference : Backend::kCpu;
  executor_options.threads = options.threads;
  const Executor executor(load_qtx(options.model_path), executor_options);
  dump_intermediates(executor, sequences, options.dump_intermediates);
}

void run(const RunOptions& options) {
  const std::vector<std::string> inputs = read_inputs(options);
  const Session session(Model::load(options.model_path), session_options(options));
  if (!options.dump_intermediates.empty()) prepare_dump_directory(options.dump_intermediates);
  const Sequences sequences = run_task(session, inputs, options);
  if (!options.dump_intermediates.empty()) write_intermediates(sequences, options);
  if (options.dump_logits.empty()) return;
  // One batch over everything the task ran (prompts with their continuations for causal
  // LMs), so the dump is a single [B, S, D] array.
  const ForwardResult result = session.forward(sequences);
  write_npy(options.dump_logits, result.values, {result.batch, result.max_length, result.width});
}

// top_p lies in (0, 1]: 0 would keep nothing, so CLI::Range's closed interval does not fit.
CLI::Validator probability_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        double p = 0.0;
        try {
          p = std::stod(value);
        } catch (const std::exception&) {
          return "not a number: " + value;
        }
        return p > 0.0 && p <= 1.0 ? "" : "must be in (0, 1], got " + value;
      },
      "in (0, 1]");
}

void add_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("model", o.model_path, "the .qtx file")->required()->check(CLI::ExistingFile);
  auto* text = cmd.add_option("--text", o.text, "one input text");
  cmd.add_option("--file", o.file, "inputs, one per line")
      ->check(CLI::ExistingFile)
      ->excludes(text);
  cmd.add_option("--batch-size", o.batch_size, "inputs per model call")->check(CLI::Range(1, 4096));
  cmd.add_option("--top-k", o.top_k,
                 "fill-mask: predictions per [MASK] (default 5); "
                 "generation: sample from the k most likely tokens")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  cmd.add_option("--max-new-tokens", o.max_new_tokens, "generation: tokens to add")
      ->check(CLI::Range(1, 1 << 24));
  cmd.add_option("--temperature", o.temperature, "generation: 0 is greedy")
      ->check(CLI::Range(0.0, 1.0e6));
  cmd.add_option("--top-p", o.top_p, "generation: nucleus sampling mass")
      ->check(probability_validator());
  cmd.add_option("--seed", o.seed, "generation: random seed");
  const std::vector<std::string_view> poolings = pooling_names();
  cmd.add_option("--pooling", o.pooling, "embeddings: how to pool (default: the model's own)")
      ->check(CLI::IsMember(std::vector<std::string>(poolings.begin(), poolings.end())));
  auto* normalize = cmd.add_flag_callback(
      "--normalize", [&o] { o.normalize = 1; },
      "embeddings: scale to unit length (default: the model's own)");
  cmd.add_flag_callback(
         "--no-normalize", [&o] { o.normalize = 0; }, "embeddings: do not scale")
      ->excludes(normalize);
  cmd.add_option("--max-length", o.max_length,
                 "the longest input in tokens, framing included (default: the model's own)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd.add_flag("--truncate", o.truncate,
               "cut longer inputs (embeddings always do; fill-mask, generation and "
               "classification refuse them without it)");
  cmd.add_flag("--json", o.json, "one JSON object per input line");
  cmd.add_option("--dump-logits", o.dump_logits, "write the output logits / hidden states (.npy)");
  cmd.add_option("--dump-intermediates", o.dump_intermediates,
                 "write every node's output of one forward pass as .npy files into this new or "
                 "empty directory, with manifest.json");
  cmd.add_option("--backend", o.backend, "cpu or reference")
      ->check(CLI::IsMember({"cpu", "reference"}));
  cmd.add_option("--threads", o.threads, "0: all cores")->check(CLI::Range(0, 4096));
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a .qtx model on text");
  add_options(*cmd, *options);
  cmd->callback([options, cmd] {
    // An empty --text is an input too (an embedding model embeds "" as [CLS] [SEP]).
    options->text_given = cmd->count("--text") > 0;
    run(*options);
  });
}

}  // namespace qtx::cli
