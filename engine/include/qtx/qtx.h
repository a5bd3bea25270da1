// The qtx library: load a .qtx model once, run it from one Session per thread.
//
//   auto model = qtx::Model::load("bert.qtx");
//   qtx::Session session(model);
//   auto fills = session.fill_mask({"The capital of France is [MASK]."}, 5);
//
// Only this header and <qtx/error.h> are public; every failure is a qtx::Error naming its
// context. A Model is immutable and may be shared by many Sessions on many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qtx/error.h"

namespace qtx {

enum class ModelFamily { kBert, kOpt };
enum class ModelHead { kNone, kMaskedLM, kCausalLM, kSequenceClassification };

std::string_view family_name(ModelFamily family);  // "bert", "opt"
std::string_view head_name(ModelHead head);        // "none", "masked-lm", "causal-lm", ...

// Special-token ids of a model's vocabulary; -1 where it has none.
struct SpecialTokens {
  int32_t unk = -1, cls = -1, sep = -1, pad = -1, mask = -1, bos = -1, eos = -1;
};

// How an embedding pools a sequence's hidden states over its real tokens: the mean, the first
// token ([CLS]), the element-wise max, the sum over sqrt(length), the mean weighted by position
// (1, 2, ...), the last token: sentence-transformers' Pooling modes.
enum class Pooling { kMean, kCls, kMax, kMeanSqrtLen, kWeightedMean, kLastToken };
std::string_view pooling_name(Pooling pooling);  // "mean", "cls", "max", "mean-sqrt-len", ...
// The Pooling named so; nullopt for an unknown name.
std::optional<Pooling> pooling_from_name(std::string_view name);
std::vector<std::string_view> pooling_names();  // every Pooling's name, in enum order

// What a model's tasks do when the caller does not say. A model converted from a
// sentence-transformers folder carries its pipeline (Pooling, Dense, Normalize modules,
// max_seq_length, do_lower_case), so that embed() gives SentenceTransformer(dir).encode(text).
struct TaskDefaults {
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  int64_t max_length = 0;              // the longest input in tokens, framing included
  bool lowercase_text = false;         // texts are lowercased before they are tokenized
  int64_t dense_layers = 0;            // sentence-transformers Dense modules after the pooling
  int64_t embedding_size = 0;          // the width of an embedding (hidden_size without Dense)
  bool sentence_transformers = false;  // the defaults came from a sentence-transformers folder
};

struct ModelInfo {
  std::string architecture;  // the Hugging Face class, e.g. "BertForMaskedLM"
  ModelFamily family = ModelFamily::kBert;
  ModelHead head = ModelHead::kNone;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;
  int64_t max_positions = 0;  // the longest input, in tokens (prompt + generated for decoders)
  std::string softmax;        // "vanilla" or "clipped(gamma:zeta)"
  std::string gate;           // "none", "linear", "mlp"
  std::string recipe;         // "float32", "float16", ...
  std::vector<std::string> labels;  // classifier heads: label names by index
  TaskDefaults defaults;
};

// How an input longer than the limit is handled. Embeddings cut it by default, as
// sentence-transformers does; for the other tasks cutting changes the answer (a [MASK] or the
// end of a prompt may be lost), so a too-long input is an error there unless truncate is set.
struct InputLimit {
  int64_t max_length = 0;  // tokens, framing included; 0: the model's defaults().max_length
  bool truncate = false;   // cut the text's tokens at their end, keeping the framing
};

class Model {
 public:
  // Loads and verifies a .qtx file; a corrupt file is a qtx::Error naming it.
  static std::shared_ptr<const Model> load(const std::string& path);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const;
  const std::string& path() const;

  // Text to the model's input ids, framing included ([CLS] .. [SEP] for BERT, BOS for OPT).
  std::vector<int32_t> encode(std::string_view text) const;
  // The same within `limit`: cut when limit.truncate, else a longer text is kInvalidArgument
  // (as is a max_length beyond max_positions).
  std::vector<int32_t> encode(std::string_view text, const InputLimit& limit) const;
  // Text to ids without the framing (special tokens written in the text still map to their
  // ids): a long text to be cut into windows, as `qtx eval` does.
  std::vector<int32_t> encode_unframed(std::string_view text) const;
  const SpecialTokens& special_tokens() const;
  // Entries in the tokenizer's vocabulary (may be fewer than info().vocab_size, the logits).
  int64_t tokenizer_size() const;
  // Ids to text as Hugging Face decodes them; skip_special drops [CLS], [SEP], BOS, ...
  std::string decode(std::span<const int32_t> ids, bool skip_special = true) const;
  // One vocabulary entry as stored (e.g. "paris", "##ing", "Ġthe").
  const std::string& token(int32_t id) const;

  struct Impl;  // internal: engine/api/model_impl.h

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  friend class Session;
  std::unique_ptr<Impl> impl_;
};

struct SessionOptions {
  enum class Backend {
    kCpu,        // oneDNN matmuls and optimised kernels
    kReference,  // plain C++ that defines the semantics (slow; for checking)
  };
  Backend backend = Backend::kCpu;
  int threads = 0;  // 0: all cores
};

// A padded batch of model outputs: values[(b * max_length + s) * width + d]. The values are
// the engine's own output buffer, kept alive by `storage` (shared by copies of the result),
// so a forward pass hands its logits over without copying them.
struct ForwardResult {
  std::span<const float> values;
  std::shared_ptr<const void> storage;
  int64_t batch = 0;
  int64_t max_length = 0;
  int64_t width = 0;             // vocabulary (LM heads), labels (classifiers) or hidden size
  std::vector<int64_t> lengths;  // real tokens per row
  bool left_padded = false;      // decoders pad on the left, encoders on the right

  // The row of `width` values of sequence b at its i-th real token (padding skipped).
  std::span<const float> row(int64_t b, int64_t i) const;
};

struct TokenScore {
  std::string token;
  int32_t id = 0;
  float probability = 0.0f;  // softmax over the whole vocabulary
};

struct MaskPrediction {
  int64_t position = 0;  // index of the [MASK] in the model's input ids
  std::vector<TokenScore> top;
};

struct EmbeddingOptions {
  std::optional<Pooling> pooling;  // unset: the model's defaults
  std::optional<bool> normalize;   // unset: the model's defaults
  InputLimit input{0, true};       // cut at the model's max_length, as sentence-transformers
};

struct GenerationOptions {
  int max_new_tokens = 20;
  float temperature = 0.0f;  // 0: greedy (argmax, lowest id on ties)
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // 1: off
  uint64_t seed = 0;         // same seed, same inputs: same tokens
  bool stop_at_eos = true;
  InputLimit input;  // the prompt's limit (a cut prompt keeps its start)
};

struct Generation {
  std::vector<int32_t> prompt_ids;  // the model's input, BOS included
  std::vector<int32_t> new_ids;     // generated tokens (the EOS that stopped it included)
  std::string text;                 // new_ids decoded, special tokens skipped
  bool stopped_at_eos = false;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const Model& model() const;

  // Token ids (framing included) of sequences of any lengths up to max_positions -> the
  // model's first output: logits [B, S_max, V] or hidden states [B, S_max, H].
  ForwardResult forward(const std::vector<std::vector<int32_t>>& batch) const;

  // Masked-LM heads: for every [MASK] of every text, the top_k tokens by probability.
  std::vector<std::vector<MaskPrediction>> fill_mask(const std::vector<std::string>& texts,
                                                     int top_k, const InputLimit& input = {}) const;
  // Headless encoders: one embedding of info().defaults.embedding_size per text. A pooling
  // other than the model's own is refused when Dense modules follow it (they were trained on
  // it).
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts,
                                        const EmbeddingOptions& options = {}) const;
  // Classifier heads: class probabilities per text (label names in info().labels).
  std::vector<std::vector<float>> classify(const std::vector<std::string>& texts,
                                           const InputLimit& input = {}) const;
  // Causal-LM heads: continues each prompt; prompts of different lengths are left-padded.
  std::vector<Generation> generate(const std::vector<std::string>& prompts,
                                   const GenerationOptions& options) const;
  std::vector<Generation> generate_ids(const std::vector<std::vector<int32_t>>& prompts,
                                       const GenerationOptions& options) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qtx
