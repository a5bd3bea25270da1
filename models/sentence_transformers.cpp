#include "models/sentence_transformers.h"

#include <algorithm>
#include <optional>
#include <string>

#include "converter/checkpoint.h"
#include "models/layers.h"
#include "models/model_config.h"
#include "models/registry.h"
#include "models/weight_table.h"
#include "qtx/error.h"

namespace qtx::models {
namespace {

namespace fs = std::filesystem;

struct ModuleEntry {
  std::string type;  // the class name without its package: "Transformer", "Pooling", ...
  fs::path dir;
};

[[noreturn]] void bad_file(const fs::path& file, const std::string& what) {
  throw Error(ErrorCode::kInvalidFile, file.string() + ": " + what);
}

// A module path inside the folder: relative, without "..", so a hostile modules.json cannot
// send the converter to read files elsewhere.
fs::path module_dir(const fs::path& root, const fs::path& modules, const std::string& path) {
  const fs::path relative(path);
  const bool escapes = std::any_of(relative.begin(), relative.end(),
                                   [](const fs::path& part) { return part == ".."; });
  if (relative.is_absolute() || escapes) {
    bad_file(modules, "module path '" + path + "' leaves the model folder");
  }
  return path.empty() ? root : root / relative;
}

std::vector<ModuleEntry> read_modules(const fs::path& dir) {
  const fs::path file = dir / "modules.json";
  const Json json = Json::parse_file(file.string());
  if (!json.is_array() || json.as_array().empty() || json.as_array().size() > 64) {
    bad_file(file, "expected a list of 1 to 64 modules");
  }
  std::vector<ModuleEntry> modules;
  for (const Json& entry : json.as_array()) {
    const Json* type = entry.is_object() ? entry.find("type") : nullptr;
    const Json* path = entry.is_object() ? entry.find("path") : nullptr;
    if (type == nullptr || !type->is_string() || path == nullptr || !path->is_string()) {
      bad_file(file, "module " + std::to_string(modules.size()) +
                         " lacks its \"type\" or \"path\" string");
    }
    const std::string& name = type->as_string();
    const size_t dot = name.rfind('.');
    std::string short_name = dot == std::string::npos ? name : name.substr(dot + 1);
    // sentence-transformers 0.x called the Transformer module of BERT models "BERT" (0_BERT/).
    if (short_name == "BERT") short_name = "Transformer";
    modules.push_back({std::move(short_name), module_dir(dir, file, path->as_string())});
  }
  return modules;
}

// The Pooling module's one mode: sentence-transformers 6's "pooling_mode" (a name, or a list of
// one), or the older pooling_mode_* flags. Several modes at once (sentence-transformers
// concatenates them) are refused.
fb::PoolingMode pooling_mode(const ModelConfig& config) {
  static constexpr struct {
    const char* flag;
    const char* name;
    fb::PoolingMode mode;
  } kModes[] = {
      {"pooling_mode_cls_token", "cls", fb::PoolingMode::Cls},
      {"pooling_mode_mean_tokens", "mean", fb::PoolingMode::Mean},
      {"pooling_mode_max_tokens", "max", fb::PoolingMode::Max},
      {"pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens", fb::PoolingMode::MeanSqrtLen},
      {"pooling_mode_weightedmean_tokens", "weightedmean", fb::PoolingMode::WeightedMean},
      {"pooling_mode_lasttoken", "lasttoken", fb::PoolingMode::LastToken},
  };
  std::vector<std::string> chosen;
  if (const Json* named = config.find("pooling_mode")) {
    if (named->is_string()) chosen.push_back(named->as_string());
    if (named->is_array()) {
      for (const Json& item : named->as_array()) {
        if (!item.is_string()) config.fail(ErrorCode::kInvalidFile, "pooling_mode", "not a name");
        chosen.push_back(item.as_string());
      }
    }
  } else {
    for (const auto& mode : kModes) {
      if (config.boolean_or(mode.flag, false)) chosen.emplace_back(mode.name);
    }
  }
  if (chosen.size() != 1) {
    std::string names;
    for (const std::string& name : chosen) names += (names.empty() ? "" : ", ") + name;
    config.fail(ErrorCode::kUnsupported, "pooling_mode",
                chosen.empty()
                    ? "no pooling mode is set"
                    : "several pooling modes at once (" + names + "): qtx pools one way per model");
  }
  for (const auto& mode : kModes) {
    if (chosen[0] == mode.name) return mode.mode;
  }
  config.fail(
      ErrorCode::kUnsupported, "pooling_mode",
      "'" + chosen[0] +
          "' (qtx supports: cls, mean, max, mean_sqrt_len_tokens, weightedmean, lasttoken)");
}

// The width the Pooling module expects: "embedding_dimension" (sentence-transformers 6) or the
// older "word_embedding_dimension".
int64_t pooled_width(const ModelConfig& config) {
  const char* key =
      config.has("embedding_dimension") ? "embedding_dimension" : "word_embedding_dimension";
  return config.integer(key, 1, kMaxHidden);
}

fb::Activation dense_activation(const ModelConfig& config) {
  const std::string name =
      config.string_or("activation_function", "torch.nn.modules.activation.Tanh");
  const std::string short_name = name.substr(name.rfind('.') + 1);
  if (short_name == "Tanh") return fb::Activation::Tanh;
  if (short_name == "Identity") return fb::Activation::None;
  if (short_name == "ReLU") return fb::Activation::Relu;
  if (short_name == "GELU") return fb::Activation::Gelu;
  config.fail(ErrorCode::kUnsupported, "activation_function",
              "'" + name + "' (qtx supports: Tanh, Identity, ReLU, GELU)");
}

DenseModule read_dense(const fs::path& dir) {
  const ModelConfig config = ModelConfig::read(dir);
  DenseModule dense;
  dense.dir = dir;
  dense.in_features = config.integer("in_features", 1, kMaxHidden);
  dense.out_features = config.integer("out_features", 1, kMaxHidden);
  dense.bias = config.boolean_or("bias", true);
  dense.activation = dense_activation(config);
  if (config.boolean_or("use_residual", false)) {
    config.fail(ErrorCode::kUnsupported, "use_residual",
                "residual Dense modules are not supported");
  }
  return dense;
}

// sentence-transformers' Transformer module: max_seq_length from sentence_bert_config.json,
// else the tokenizer's model_max_length (sentence-transformers takes the smaller of it and
// the model's positions, which add_sentence_pipeline does).
void read_transformer(SentencePipeline& pipeline) {
  constexpr int64_t kMaxLength = int64_t{1} << 20;
  const fs::path config_file = pipeline.transformer_dir / "sentence_bert_config.json";
  if (fs::is_regular_file(config_file)) {
    const ModelConfig config = ModelConfig::read_file(config_file);
    pipeline.max_seq_length = config.integer_or("max_seq_length", 0, 1, kMaxLength);
    pipeline.do_lower_case = config.boolean_or("do_lower_case", false);
  }
  const fs::path tokenizer_config = pipeline.transformer_dir / "tokenizer_config.json";
  if (pipeline.max_seq_length == 0 && fs::is_regular_file(tokenizer_config)) {
    const ModelConfig config = ModelConfig::read_file(tokenizer_config);
    // Hugging Face writes a huge sentinel (1e30) when the tokenizer sets no limit.
    const double limit = config.number_or("model_max_length", 0.0);
    if (limit >= 1.0 && limit <= static_cast<double>(kMaxLength)) {
      pipeline.max_seq_length = static_cast<int64_t>(limit);
    }
  }
}

void check_order(const std::vector<ModuleEntry>& modules, const fs::path& file) {
  std::string order;
  for (const ModuleEntry& m : modules) order += (order.empty() ? "" : ", ") + m.type;
  const bool transformer_first = modules[0].type == "Transformer";
  const bool pooling_second = modules.size() > 1 && modules[1].type == "Pooling";
  if (!transformer_first || !pooling_second) {
    throw Error(ErrorCode::kUnsupported,
                file.string() + ": modules " + order +
                    " (qtx runs Transformer, Pooling, then Dense modules and Normalize)");
  }
  for (size_t i = 2; i < modules.size(); ++i) {
    const std::string& type = modules[i].type;
    const bool last = i + 1 == modules.size();
    if (type == "Dense" || (type == "Normalize" && last)) continue;
    throw Error(ErrorCode::kUnsupported,
                file.string() + ": module " + std::to_string(i) + " is '" + type + "' in " + order +
                    " (qtx runs Dense modules after the Pooling, and Normalize last)");
  }
}

}  // namespace

bool is_sentence_transformers(const fs::path& dir) {
  return fs::is_regular_file(dir / "modules.json");
}

SentencePipeline read_sentence_pipeline(const fs::path& dir) {
  const std::vector<ModuleEntry> modules = read_modules(dir);
  check_order(modules, dir / "modules.json");
  SentencePipeline pipeline;
  pipeline.transformer_dir = modules[0].dir;
  read_transformer(pipeline);
  const ModelConfig pooling = ModelConfig::read(modules[1].dir);
  pipeline.pooling = pooling_mode(pooling);
  pipeline.pooled_width = pooled_width(pooling);
  for (size_t i = 2; i < modules.size(); ++i) {
    if (modules[i].type == "Dense") pipeline.dense.push_back(read_dense(modules[i].dir));
    if (modules[i].type == "Normalize") pipeline.normalize = true;
  }
  return pipeline;
}

void add_sentence_pipeline(ModelDef& model, const SentencePipeline& pipeline) {
  fb::GraphT& graph_def = *model.desc.graph;
  const int64_t hidden = model.config().hidden_size;
  if (pipeline.pooled_width != hidden) {
    throw Error(ErrorCode::kInvalidFile, "the Pooling module's embedding dimension " +
                                             std::to_string(pipeline.pooled_width) +
                                             " differs from the model's hidden size " +
                                             std::to_string(hidden));
  }
  GraphBuilder graph(model);
  // Graph output 0 holds the hidden states, graph input 1 the attention mask.
  int x = pooling(graph, "sentence.pooling", pipeline.pooling, graph_def.outputs.at(0),
                  graph_def.inputs.at(1));
  int64_t width = hidden;
  for (size_t i = 0; i < pipeline.dense.size(); ++i) {
    const DenseModule& dense = pipeline.dense[i];
    if (dense.in_features != width) {
      throw Error(ErrorCode::kInvalidFile, (dense.dir / "config.json").string() + ": in_features " +
                                               std::to_string(dense.in_features) +
                                               " does not match the " + std::to_string(width) +
                                               " features before it");
    }
    const convert::Checkpoint checkpoint = convert::Checkpoint::open(dense.dir);
    WeightTable weights(checkpoint);
    const std::string name = "sentence.dense." + std::to_string(i);
    std::optional<Tensor> w = weights.load({"linear.weight"}, {dense.out_features, width});
    std::optional<Tensor> b;
    if (dense.bias) b = weights.load({"linear.bias"}, {dense.out_features});
    weights.finish();
    // Every Dense module names its tensors alike: the graph names them after the module.
    const int weight = graph.constant(name + ".weight", std::move(*w));
    const int bias = b ? graph.constant(name + ".bias", std::move(*b)) : -1;
    x = linear(graph, name, x, weight, bias, dense.activation);
    width = dense.out_features;
  }
  graph.output(x);
  auto defaults = std::make_unique<fb::TaskDefaultsT>();
  defaults->pooling = pipeline.pooling;
  defaults->normalize = pipeline.normalize;
  defaults->max_length = static_cast<int32_t>(
      std::min<int64_t>(pipeline.max_seq_length, model.config().max_positions));
  defaults->embedding_output = static_cast<int32_t>(graph_def.outputs.size() - 1);
  defaults->from_sentence_transformers = true;
  model.desc.defaults = std::move(defaults);
  // The tokenizer may lowercase the text already (a Lowercase in tokenizer.json's normalizer).
  model.desc.tokenizer->lowercase_text =
      model.desc.tokenizer->lowercase_text || pipeline.do_lower_case;
}

}  // namespace qtx::models
