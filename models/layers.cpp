#include "models/layers.h"

namespace qtx::models {

int linear(GraphBuilder& graph, const std::string& output, int x, int weight, int bias,
           fb::Activation activation) {
  fb::LinearAttrsT attrs;
  attrs.activation = activation;
  return graph.node(output, attrs, {x, weight, bias});
}

int layer_norm(GraphBuilder& graph, const std::string& output, int x, int gamma, int beta,
               float epsilon) {
  fb::LayerNormAttrsT attrs;
  attrs.epsilon = epsilon;
  return graph.node(output, attrs, {x, gamma, beta});
}

int add(GraphBuilder& graph, const std::string& output, int a, int b) {
  return graph.node(output, fb::AddAttrsT{}, {a, b});
}

}  // namespace qtx::models
