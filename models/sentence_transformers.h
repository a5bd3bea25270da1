// sentence-transformers folders (modules.json): a Transformer module (a Hugging Face folder,
// often the root itself), then Pooling, optional Dense modules and an optional Normalize, as
// SentenceTransformer(dir).encode() runs them. The converter builds the Transformer's graph as
// for any headless checkpoint, then add_sentence_pipeline() appends the pooling and the Dense
// layers as graph nodes and records the pipeline as the file's task defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/graph/model_def.h"

namespace qtx::models {

struct DenseModule {
  std::filesystem::path dir;  // config.json and the weights (linear.weight, linear.bias)
  int64_t in_features = 0, out_features = 0;
  bool bias = true;
  fb::Activation activation = fb::Activation::None;
};

struct SentencePipeline {
  std::filesystem::path transformer_dir;  // the Hugging Face folder of the Transformer module
  fb::PoolingMode pooling = fb::PoolingMode::Mean;
  int64_t pooled_width = 0;  // the Pooling module's word_embedding_dimension
  std::vector<DenseModule> dense;
  bool normalize = false;
  // sentence_bert_config.json's max_seq_length; without it, tokenizer_config.json's
  // model_max_length; 0 when neither says (the model's max_positions then).
  int64_t max_seq_length = 0;
  bool do_lower_case = false;
};

// Whether `dir` is a sentence-transformers folder (it has modules.json).
bool is_sentence_transformers(const std::filesystem::path& dir);

// Reads modules.json and the modules' configs. Unknown module types, several pooling modes at
// once, module paths leaving the folder and malformed configs are errors naming the file.
SentencePipeline read_sentence_pipeline(const std::filesystem::path& dir);

// Appends Pooling (over graph output 0, the hidden states, and the attention mask) and the
// Dense modules to a headless model, makes their result a graph output and fills the model's
// task defaults. max_seq_length is clipped to the model's max_positions.
void add_sentence_pipeline(ModelDef& model, const SentencePipeline& pipeline);

}  // namespace qtx::models
