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

}  // namespace qtx::models
