#include "models/bert.h"

#include "models/layers.h"
#include "qtx/error.h"

namespace qtx::models {
namespace {

fb::Activation hidden_activation(const ModelConfig& config) {
  const std::string act = config.string_or("hidden_act", "gelu");
  if (act == "gelu") return fb::Activation::Gelu;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") return fb::Activation::GeluTanh;
  if (act == "relu") return fb::Activation::Relu;
  config.fail(ErrorCode::kUnsupported, "hidden_act",
              "'" + act + "' (qtx supports: gelu, gelu_new, gelu_pytorch_tanh, relu)");
}

TransformerSizes read_sizes(const ModelConfig& config) {
  TransformerSizes sizes = read_transformer_sizes(config, "intermediate_size");
  const std::string positions = config.string_or("position_embedding_type", "absolute");
  if (positions != "absolute") {
    config.fail(ErrorCode::kUnsupported, "position_embedding_type",
                "'" + positions + "' (qtx supports: absolute)");
  }
  return sizes;
}

class BertBuilder {
 public:
  BertBuilder(const ModelConfig& config, const convert::Checkpoint& checkpoint,
              const BuildOptions& options)
      : config_(config),
        sizes_(read_sizes(config)),
        type_vocab_(config.integer_or("type_vocab_size", 2, 0, 1024)),
        epsilon_(static_cast<float>(config.number_or("layer_norm_eps", 1e-12))),
        activation_(hidden_activation(config)),
        graph_(model_),
        weights_(checkpoint),
        base_(checkpoint.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "") {
    attention_.heads = sizes_.heads;
    attention_.head_dim = sizes_.head_dim();
    attention_.softmax = resolve_softmax(config, options.softmax);
    attention_.gate = resolve_gate(config, weights_, layer_prefix(0) + "attention.self.alpha.");
  }

  ModelDef build(const Architecture& architecture) {
    const int ids = graph_.input("input_ids", DType::I32);
    mask_ = graph_.input("attention_mask", DType::I32);
    int word_table = -1;
    int x = embeddings(ids, word_table);
    for (int64_t i = 0; i < sizes_.layers; ++i) x = encoder_layer(i, x);
    if (architecture.head == fb::Head::MaskedLM) graph_.output(mlm_head(x, word_table));
    if (architecture.head == fb::Head::SequenceClassification) {
      graph_.output(classifier_head(x));
    }
    graph_.output(x);
    weights_.finish();
    describe_model(model_, architecture, sizes_, attention_.softmax, attention_.gate);
    if (architecture.head == fb::Head::SequenceClassification) {
      model_.desc.config->labels = labels_;
    }
    return std::move(model_);
  }

 private:
  std::string layer_prefix(int64_t layer) const {
    return base_ + "encoder.layer." + std::to_string(layer) + ".";
  }
  int weight(const std::string& name, const Shape& shape) {
    return weights_.constant(graph_, {name}, shape);
  }
  // LayerNorm gamma and beta under `prefix` ("...LayerNorm."), new or old spelling.
  int norm(const std::string& name, int x, const std::string& prefix) {
    const int gamma =
        weights_.constant(graph_, {prefix + "weight", prefix + "gamma"}, {sizes_.hidden});
    const int beta = weights_.constant(graph_, {prefix + "bias", prefix + "beta"}, {sizes_.hidden});
    return layer_norm(graph_, name, x, gamma, beta, epsilon_);
  }
  // A Linear layer stored as <prefix>weight [out, in] and <prefix>bias [out].
  int dense(const std::string& name, int x, const std::string& prefix, int64_t out, int64_t in,
            fb::Activation act = fb::Activation::None) {
    const int w = weight(prefix + "weight", {out, in});
    return linear(graph_, name, x, w, weight(prefix + "bias", {out}), act);
  }

  int embeddings(int ids, int& word_table) {
    const std::string p = base_ + "embeddings.";
    word_table = weight(p + "word_embeddings.weight", {sizes_.vocab, sizes_.hidden});
    const int positions =
        weight(p + "position_embeddings.weight", {sizes_.max_positions, sizes_.hidden});
    const int types = type_vocab_ > 0
                          ? weight(p + "token_type_embeddings.weight", {type_vocab_, sizes_.hidden})
                          : -1;
    fb::EmbeddingAttrsT attrs;
    attrs.positions = fb::PositionMode::Arange;
    // No token_type_ids input: every token has type 0, as Hugging Face's default.
    const int sum =
        embedding(graph_, "embeddings.sum", attrs, {ids, mask_, word_table, positions, types});
    return norm("embeddings", sum, p + "LayerNorm.");
  }

  int encoder_layer(int64_t layer, int x) {
    const std::string p = layer_prefix(layer);
    const std::string n = "layer." + std::to_string(layer) + ".";
    const int64_t h = sizes_.hidden;
    const int q = dense(n + "query", x, p + "attention.self.query.", h, h);
    const int k = dense(n + "key", x, p + "attention.self.key.", h, h);
    const int v = dense(n + "value", x, p + "attention.self.value.", h, h);
    const auto gates = gate_constants(graph_, weights_, attention_.gate,
                                      p + "attention.self.alpha.", sizes_.heads, sizes_.head_dim());
    const int context = attention_node(graph_, n + "context", attention_, q, k, v, mask_, x, gates);
    const int projected =
        dense(n + "attention.output", context, p + "attention.output.dense.", h, h);
    const int residual = add(graph_, n + "attention.residual", projected, x);
    const int attended = norm(n + "attention.norm", residual, p + "attention.output.LayerNorm.");
    const int inner = dense(n + "intermediate", attended, p + "intermediate.dense.",
                            sizes_.intermediate, h, activation_);
    const int ffn = dense(n + "output", inner, p + "output.dense.", h, sizes_.intermediate);
    const int ffn_residual = add(graph_, n + "output.residual", ffn, attended);
    return norm(n + "output.norm", ffn_residual, p + "output.LayerNorm.");
  }

  // Transform (dense + activation + LayerNorm), then the decoder, tied to the word embeddings
  // unless the checkpoint stores its own.
  int mlm_head(int x, int word_table) {
    const std::string p = "cls.predictions.";
    const int64_t h = sizes_.hidden;
    const int t = dense("mlm.transform", x, p + "transform.dense.", h, h, activation_);
    const int normed = norm("mlm.transform.norm", t, p + "transform.LayerNorm.");
    const int decoder = weights_.contains(p + "decoder.weight")
                            ? weight(p + "decoder.weight", {sizes_.vocab, h})
                            : word_table;
    const int bias = weights_.constant(graph_, {p + "bias", p + "decoder.bias"}, {sizes_.vocab});
    return linear(graph_, "logits", normed, decoder, bias);
  }

  // The pooler (dense + tanh on the [CLS] token), then the classifier.
  int classifier_head(int x) {
    labels_ = read_labels();
    const int64_t h = sizes_.hidden;
    const int cls = pooling(graph_, "pooler.cls", fb::PoolingMode::Cls, x, mask_);
    const int pooled = dense("pooler", cls, base_ + "pooler.dense.", h, h, fb::Activation::Tanh);
    return dense("logits", pooled, "classifier.", static_cast<int64_t>(labels_.size()), h);
  }

  // Label names from id2label (keys "0".."n-1"); without it, Hugging Face's default of two
  // labels LABEL_0, LABEL_1.
  std::vector<std::string> read_labels() const {
    const Json* id2label = config_.find("id2label");
    if (id2label == nullptr) return {"LABEL_0", "LABEL_1"};
    if (!id2label->is_object() || id2label->as_object().empty() ||
        id2label->as_object().size() > 65536) {
      config_.fail(ErrorCode::kInvalidFile, "id2label", "expected an object of 1 to 65536 labels");
    }
    const auto& entries = id2label->as_object();
    std::vector<std::string> labels(entries.size());
    std::vector<bool> seen(entries.size(), false);
    for (const auto& [key, value] : entries) {
      const size_t index = label_index(key, entries.size());
      if (seen[index] || !value.is_string()) {
        config_.fail(ErrorCode::kInvalidFile, "id2label", "bad or repeated entry '" + key + "'");
      }
      seen[index] = true;
      labels[index] = value.as_string();
    }
    return labels;
  }
  size_t label_index(const std::string& key, size_t count) const {
    size_t index = 0;
    bool digits = !key.empty() && key.size() <= 6;
    for (char c : key) {
      digits = digits && c >= '0' && c <= '9';
      if (digits) index = index * 10 + static_cast<size_t>(c - '0');
    }
    if (!digits || index >= count) {
      config_.fail(ErrorCode::kInvalidFile, "id2label",
                   "key '" + key + "' is not a label index below " + std::to_string(count));
    }
    return index;
  }

  const ModelConfig& config_;
  TransformerSizes sizes_;
  int64_t type_vocab_;
  float epsilon_;
  fb::Activation activation_;
  AttentionSpec attention_;
  ModelDef model_;
  GraphBuilder graph_;
  WeightTable weights_;
  std::string base_;
  int mask_ = -1;
  std::vector<std::string> labels_;
};

}  // namespace

ModelDef build_bert(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                    const Architecture& architecture, const BuildOptions& options) {
  return BertBuilder(config, checkpoint, options).build(architecture);
}

}  // namespace qtx::models
