// check_config: the model's hyper-parameters, its tokenizer, its quantization recipe and its
// task defaults.
#include <cmath>
#include <string>

#include "engine/format/model_checks.h"
#include "qtx/error.h"

namespace qtx::format {
namespace {

template <typename E>
void check_enum(E value, const std::string& field, const std::string& file_name) {
  const auto code = static_cast<int64_t>(value);
  if (code < static_cast<int64_t>(E::MIN) || code > static_cast<int64_t>(E::MAX)) {
    throw Error(ErrorCode::kUnsupported,
                file_name + ": " + field + ": unknown value " + std::to_string(code));
  }
}

void check_range(int64_t value, int64_t lo, int64_t hi, const std::string& field,
                 const std::string& file_name) {
  if (value < lo || value > hi) {
    invalid(file_name, field + " is " + std::to_string(value) + ", expected " + std::to_string(lo) +
                           ".." + std::to_string(hi));
  }
}

void check_sizes(const fb::ConfigT& c, const std::string& file_name) {
  check_range(c.vocab_size, 1, kMaxVocabSize, "config.vocab_size", file_name);
  check_range(c.hidden_size, 1, kMaxHiddenSize, "config.hidden_size", file_name);
  check_range(c.num_layers, 1, kMaxLayers, "config.num_layers", file_name);
  check_range(c.num_heads, 1, c.hidden_size, "config.num_heads", file_name);
  if (c.hidden_size % c.num_heads != 0) {
    invalid(file_name, "config.num_heads (" + std::to_string(c.num_heads) +
                           ") does not divide config.hidden_size (" +
                           std::to_string(c.hidden_size) + ")");
  }
  check_range(c.intermediate_size, 1, 16 * kMaxHiddenSize, "config.intermediate_size", file_name);
  check_range(c.max_positions, 1, kMaxPositions, "config.max_positions", file_name);
}

void check_softmax(const fb::ConfigT& c, const std::string& file_name) {
  check_enum(c.softmax, "config.softmax", file_name);
  if (!std::isfinite(c.softmax_gamma) || !std::isfinite(c.softmax_zeta)) {
    invalid(file_name, "config.softmax_gamma/zeta are not finite");
  }
  // Clipped softmax stretches probabilities to (zeta - gamma) * p + gamma: a non-positive
  // stretch would turn attention upside down.
  if (c.softmax == fb::SoftmaxKind::Clipped && !(c.softmax_gamma < c.softmax_zeta)) {
    invalid(file_name, "config.softmax_gamma must be below config.softmax_zeta");
  }
}

void check_special_id(int32_t id, size_t vocab, const std::string& field,
                      const std::string& file_name) {
  if (id != -1) {
    check_range(id, 0, static_cast<int64_t>(vocab) - 1, "tokenizer." + field, file_name);
  }
}

void check_merges(const std::vector<std::string>& merges, const std::string& file_name) {
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string& m = merges[i];
    const size_t space = m.find(' ');
    if (space == 0 || space == std::string::npos || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos) {
      invalid(file_name, "tokenizer merge #" + std::to_string(i) + " '" + m +
                             "' is not of the form \"left right\"");
    }
  }
}

void check_tokenizer_model(const fb::TokenizerT& t, const std::string& file_name) {
  if (const auto* wp = t.model.AsWordPiece()) {
    check_range(wp->max_input_chars_per_word, 1, kMaxPositions,
                "tokenizer.max_input_chars_per_word", file_name);
  } else if (const auto* bpe = t.model.AsBytePairEncoding()) {
    check_merges(bpe->merges, file_name);
  } else {
    throw Error(ErrorCode::kUnsupported, file_name + ": tokenizer.model: unknown tokenizer type " +
                                             std::to_string(static_cast<int>(t.model.type)));
  }
}

// Every id the tokenizer can produce must index the word embedding table. The table may be
// longer than the vocabulary (Hugging Face pads some, e.g. OPT's 50272 rows for 50265 tokens).
void check_tokenizer(const fb::TokenizerT& t, int64_t vocab_size, const std::string& file_name) {
  const size_t n = t.vocab.size();
  if (n == 0) invalid(file_name, "tokenizer.vocab is empty");
  if (static_cast<int64_t>(n) > vocab_size) {
    invalid(file_name, "tokenizer.vocab has " + std::to_string(n) +
                           " tokens, more than config.vocab_size (" + std::to_string(vocab_size) +
                           ")");
  }
  check_tokenizer_model(t, file_name);
  check_special_id(t.unk_id, n, "unk_id", file_name);
  check_special_id(t.cls_id, n, "cls_id", file_name);
  check_special_id(t.sep_id, n, "sep_id", file_name);
  check_special_id(t.pad_id, n, "pad_id", file_name);
  check_special_id(t.mask_id, n, "mask_id", file_name);
  check_special_id(t.bos_id, n, "bos_id", file_name);
  check_special_id(t.eos_id, n, "eos_id", file_name);
  for (int32_t id : t.special_tokens) {
    check_range(id, 0, static_cast<int64_t>(n) - 1, "tokenizer.special_tokens entry", file_name);
  }
}

// The task defaults (absent in older files and plain Hugging Face conversions).
void check_defaults(const fb::ModelT& desc, const std::string& file_name) {
  if (!desc.defaults) return;
  const fb::TaskDefaultsT& d = *desc.defaults;
  check_enum(d.pooling, "defaults.pooling", file_name);
  check_range(d.max_length, 0, desc.config->max_positions, "defaults.max_length", file_name);
  const auto outputs = static_cast<int64_t>(desc.graph->outputs.size());
  check_range(d.embedding_output, -1, outputs - 1, "defaults.embedding_output", file_name);
  if (d.embedding_output >= 0 && desc.config->head != fb::Head::None) {
    invalid(file_name, "defaults.embedding_output is set, but the model has a " +
                           std::string(fb::EnumNameHead(desc.config->head)) + " head");
  }
}

}  // namespace

void invalid(const std::string& file_name, const std::string& what) {
  throw Error(ErrorCode::kInvalidFile, file_name + ": " + what);
}

void check_config(const fb::ModelT& desc, const std::string& file_name) {
  if (!desc.config || !desc.tokenizer || !desc.recipe || !desc.graph) {
    invalid(file_name, "the model lacks its config, tokenizer, recipe or graph");
  }
  const fb::ConfigT& c = *desc.config;
  check_enum(c.family, "config.family", file_name);
  check_enum(c.head, "config.head", file_name);
  check_enum(c.gate, "config.gate", file_name);
  check_sizes(c, file_name);
  check_softmax(c, file_name);
  check_tokenizer(*desc.tokenizer, c.vocab_size, file_name);
  check_enum(desc.recipe->weights, "recipe.weights", file_name);
  check_enum(desc.recipe->activations, "recipe.activations", file_name);
  check_defaults(desc, file_name);
}

}  // namespace qtx::format
