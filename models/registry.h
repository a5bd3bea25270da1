// The architectures qtx converts, keyed by the Hugging Face class name in config.json's
// "architectures" (or, without it, by "model_type"). Each entry names its family, its head and
// the function that builds its graph (STYLE.md "What qtx takes" 5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "converter/checkpoint.h"
#include "engine/graph/model_def.h"
#include "models/attention_variant.h"
#include "models/model_config.h"

namespace qtx::models {

struct BuildOptions {
  // "" = from config.json ("attn_softmax"), else "vanilla" or "clipped(gamma:zeta)".
  std::string softmax;
  // Build the family's headless model whatever head config.json names, as
  // sentence-transformers loads its Transformer module (AutoModel).
  bool headless = false;
};

struct Architecture;
using BuildFunction = ModelDef (*)(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                                   const Architecture& architecture, const BuildOptions& options);

struct Architecture {
  std::string_view name;  // the Hugging Face class, e.g. "BertForMaskedLM"
  std::string_view model_type;
  fb::Family family;
  fb::Head head;
  BuildFunction build;
};

// The sizes every transformer family has, read and bounded from config.json by its builder.
struct TransformerSizes {
  int64_t vocab = 0, hidden = 0, layers = 0, heads = 0, intermediate = 0, max_positions = 0;
  int64_t head_dim() const { return hidden / heads; }
};

// The widest hidden size a config.json may ask for (a bound against hostile files).
inline constexpr int64_t kMaxHidden = int64_t{1} << 16;

// Reads and bounds the sizes from config.json; families differ only in the key of the FFN
// width ("intermediate_size" for BERT, "ffn_dim" for OPT).
TransformerSizes read_transformer_sizes(const ModelConfig& config,
                                        const std::string& intermediate_key);

// Fills model.desc.config (family, head, sizes, attention variant) and a float32 recipe.
void describe_model(ModelDef& model, const Architecture& architecture,
                    const TransformerSizes& sizes, const SoftmaxSpec& softmax, fb::GateKind gate);

const std::vector<Architecture>& architectures();
// Throws qtx::Error(kUnsupported) naming the architecture and listing the supported ones.
const Architecture& resolve_architecture(const ModelConfig& config);
// The float32 graph of a checkpoint, with config and recipe filled (the tokenizer is not).
ModelDef build_graph(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                     const BuildOptions& options);

}  // namespace qtx::models
