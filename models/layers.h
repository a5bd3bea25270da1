// Small graph-building helpers shared by the architecture families: one node each, named.
#pragma once

#include <string>

#include "engine/graph/graph_builder.h"

namespace qtx::models {

// y = act(x W^T + b); bias -1 when the layer has none.
int linear(GraphBuilder& graph, const std::string& output, int x, int weight, int bias,
           fb::Activation activation = fb::Activation::None);
int layer_norm(GraphBuilder& graph, const std::string& output, int x, int gamma, int beta,
               float epsilon);
int add(GraphBuilder& graph, const std::string& output, int a, int b);

// The Embedding node's inputs (tensor indices; -1 where absent).
struct EmbeddingInputs {
  int ids = -1, mask = -1, word_table = -1, position_table = -1, token_type_table = -1;
};
int embedding(GraphBuilder& graph, const std::string& output, const fb::EmbeddingAttrsT& attrs,
              const EmbeddingInputs& inputs);
// x [B, S, H] pooled over the tokens `mask` marks real.
int pooling(GraphBuilder& graph, const std::string& output, fb::PoolingMode mode, int x, int mask);

}  // namespace qtx::models
