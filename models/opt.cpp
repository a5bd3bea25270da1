#include "models/opt.h"

#include "models/layers.h"
#include "qtx/error.h"

namespace qtx::models {
namespace {

// OPT's learned positions start at row 2 (rows 0 and 1 were reserved for padding in fairseq).
constexpr int64_t kPositionOffset = 2;
// Hugging Face's OPT uses nn.LayerNorm's default epsilon.
constexpr float kLayerNormEpsilon = 1e-5f;

fb::Activation ffn_activation(const ModelConfig& config) {
  const std::string act = config.string_or("activation_function", "relu");
  if (act == "relu") return fb::Activation::Relu;
  if (act == "gelu") return fb::Activation::Gelu;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh") return fb::Activation::GeluTanh;
  config.fail(ErrorCode::kUnsupported, "activation_function",
              "'" + act + "' (qtx supports: relu, gelu, gelu_new, gelu_pytorch_tanh)");
}

// The layouts qtx does not build are refused by name rather than converted wrongly.
void check_supported_layout(const ModelConfig& config, int64_t hidden) {
  if (!config.boolean_or("do_layer_norm_before", true)) {
    config.fail(ErrorCode::kUnsupported, "do_layer_norm_before",
                "false (post-LN OPT, e.g. opt-350m) is not supported: qtx builds pre-LN OPT");
  }
  if (config.boolean_or("_remove_final_layer_norm", false)) {
    config.fail(ErrorCode::kUnsupported, "_remove_final_layer_norm", "true is not supported");
  }
  if (!config.boolean_or("layer_norm_elementwise_affine", true)) {
    config.fail(ErrorCode::kUnsupported, "layer_norm_elementwise_affine", "false is not supported");
  }
  const int64_t projection = config.integer_or("word_embed_proj_dim", hidden, 1, kMaxHidden);
  if (projection != hidden) {
    config.fail(ErrorCode::kUnsupported, "word_embed_proj_dim",
                std::to_string(projection) + " differs from hidden_size " + std::to_string(hidden) +
                    " (project_in/out is not supported)");
  }
}

TransformerSizes read_sizes(const ModelConfig& config) {
  TransformerSizes sizes = read_transformer_sizes(config, "ffn_dim");
  check_supported_layout(config, sizes.hidden);
  return sizes;
}

std::string decoder_prefix(const convert::Checkpoint& checkpoint) {
  for (const char* prefix : {"model.decoder.", "decoder."}) {
    if (checkpoint.contains(std::string(prefix) + "embed_tokens.weight")) return prefix;
  }
  return "";
}

class OptBuilder {
 public:
  OptBuilder(const ModelConfig& config, const convert::Checkpoint& checkpoint,
             const BuildOptions& options)
      : sizes_(read_sizes(config)),
        activation_(ffn_activation(config)),
        bias_(config.boolean_or("enable_bias", true)),
        graph_(model_),
        weights_(checkpoint),
        base_(decoder_prefix(checkpoint)) {
    attention_.heads = sizes_.heads;
    attention_.head_dim = sizes_.head_dim();
    attention_.causal = true;
    attention_.softmax = resolve_softmax(config, options.softmax);
    attention_.gate = resolve_gate(config, weights_, layer_prefix(0) + "self_attn.alpha.");
  }

  ModelDef build(const Architecture& architecture) {
    const int ids = graph_.input("input_ids", DType::I32);
    mask_ = graph_.input("attention_mask", DType::I32);
    int token_table = -1;
    int x = embeddings(ids, token_table);
    for (int64_t i = 0; i < sizes_.layers; ++i) x = decoder_layer(i, x);
    x = norm("final_norm", x, base_ + "final_layer_norm.");
    if (architecture.head == fb::Head::CausalLM) graph_.output(lm_head(x, token_table));
    graph_.output(x);
    weights_.finish();
    describe_model(model_, architecture, sizes_, attention_.softmax, attention_.gate);
    return std::move(model_);
  }

 private:
  std::string layer_prefix(int64_t layer) const {
    return base_ + "layers." + std::to_string(layer) + ".";
  }
  int weight(const std::string& name, const Shape& shape) {
    return weights_.constant(graph_, {name}, shape);
  }
  int norm(const std::string& name, int x, const std::string& prefix) {
    const int gamma = weight(prefix + "weight", {sizes_.hidden});
    return layer_norm(graph_, name, x, gamma, weight(prefix + "bias", {sizes_.hidden}),
                      kLayerNormEpsilon);
  }
  // A Linear layer <prefix>weight [out, in], with <prefix>bias [out] when enable_bias.
  int dense(const std::string& name, int x, const std::string& prefix, int64_t out, int64_t in,
            fb::Activation act = fb::Activation::None) {
    const int w = weight(prefix + "weight", {out, in});
    return linear(graph_, name, x, w, bias_ ? weight(prefix + "bias", {out}) : -1, act);
  }

  int embeddings(int ids, int& token_table) {
    token_table = weight(base_ + "embed_tokens.weight", {sizes_.vocab, sizes_.hidden});
    const int positions = weight(base_ + "embed_positions.weight",
                                 {sizes_.max_positions + kPositionOffset, sizes_.hidden});
    fb::EmbeddingAttrsT attrs;
    // Positions count attended tokens, so left padding (as generate pads) does not shift them.
    attrs.positions = fb::PositionMode::FromMask;
    attrs.position_offset = kPositionOffset;
    return embedding(graph_, "embeddings", attrs, {ids, mask_, token_table, positions, -1});
  }

  int decoder_layer(int64_t layer, int x) {
    const std::string p = layer_prefix(layer);
    const std::string n = "layer." + std::to_string(layer) + ".";
    const int64_t h = sizes_.hidden;
    const int normed = norm(n + "attention.norm", x, p + "self_attn_layer_norm.");
    const int q = dense(n + "query", normed, p + "self_attn.q_proj.", h, h);
    const int k = dense(n + "key", normed, p + "self_attn.k_proj.", h, h);
    const int v = dense(n + "value", normed, p + "self_attn.v_proj.", h, h);
    const auto gates = gate_constants(graph_, weights_, attention_.gate, p + "self_attn.alpha.",
                                      sizes_.heads, sizes_.head_dim());
    const int context =
        attention_node(graph_, n + "context", attention_, q, k, v, mask_, normed, gates);
    const int projected = dense(n + "attention.output", context, p + "self_attn.out_proj.", h, h);
    const int attended = add(graph_, n + "attention.residual", x, projected);
    const int ffn_in = norm(n + "ffn.norm", attended, p + "final_layer_norm.");
    const int inner = dense(n + "fc1", ffn_in, p + "fc1.", sizes_.intermediate, h, activation_);
    const int ffn = dense(n + "fc2", inner, p + "fc2.", h, sizes_.intermediate);
    return add(graph_, n + "output.residual", attended, ffn);
  }

  int lm_head(int x, int token_table) {
    const int head = weights_.contains("lm_head.weight")
                         ? weight("lm_head.weight", {sizes_.vocab, sizes_.hidden})
                         : token_table;
    return linear(graph_, "logits", x, head, -1);
  }

  TransformerSizes sizes_;
  fb::Activation activation_;
  bool bias_;
  AttentionSpec attention_;
  ModelDef model_;
  GraphBuilder graph_;
  WeightTable weights_;
  std::string base_;
  int mask_ = -1;
};

}  // namespace

ModelDef build_opt(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                   const Architecture& architecture, const BuildOptions& options) {
  return OptBuilder(config, checkpoint, options).build(architecture);
}

}  // namespace qtx::models
