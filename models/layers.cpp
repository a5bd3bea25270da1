#include "models/layers.h"

#include <vector>

#include "engine/ops/op_slots.h"

namespace qtx::models {

int linear(GraphBuilder& graph, const std::string& output, int x, int weight, int bias,
           fb::Activation activation) {
  fb::LinearAttrsT attrs;
  attrs.activation = activation;
  std::vector<int> inputs(ops::LinearSlots::kBias + 1);
  inputs[ops::LinearSlots::kX] = x;
  inputs[ops::LinearSlots::kWeight] = weight;
  inputs[ops::LinearSlots::kBias] = bias;
  return graph.node(output, attrs, std::move(inputs));
}

int layer_norm(GraphBuilder& graph, const std::string& output, int x, int gamma, int beta,
               float epsilon) {
  fb::LayerNormAttrsT attrs;
  attrs.epsilon = epsilon;
  std::vector<int> inputs(ops::LayerNormSlots::kCount);
  inputs[ops::LayerNormSlots::kX] = x;
  inputs[ops::LayerNormSlots::kGamma] = gamma;
  inputs[ops::LayerNormSlots::kBeta] = beta;
  return graph.node(output, attrs, std::move(inputs));
}

int add(GraphBuilder& graph, const std::string& output, int a, int b) {
  std::vector<int> inputs(ops::AddSlots::kCount);
  inputs[ops::AddSlots::kA] = a;
  inputs[ops::AddSlots::kB] = b;
  return graph.node(output, fb::AddAttrsT{}, std::move(inputs));
}

int embedding(GraphBuilder& graph, const std::string& output, const fb::EmbeddingAttrsT& attrs,
              const EmbeddingInputs& in) {
  using Slot = ops::EmbeddingSlots;
  std::vector<int> inputs(Slot::kCount, -1);
  inputs[Slot::kIds] = in.ids;
  inputs[Slot::kMask] = in.mask;
  inputs[Slot::kWordTable] = in.word_table;
  inputs[Slot::kPositionTable] = in.position_table;
  inputs[Slot::kTokenTypeTable] = in.token_type_table;
  return graph.node(output, attrs, std::move(inputs));
}

int pooling(GraphBuilder& graph, const std::string& output, fb::PoolingMode mode, int x, int mask) {
  fb::PoolingAttrsT attrs;
  attrs.mode = mode;
  std::vector<int> inputs(ops::PoolingSlots::kCount);
  inputs[ops::PoolingSlots::kX] = x;
  inputs[ops::PoolingSlots::kMask] = mask;
  return graph.node(output, attrs, std::move(inputs));
}

}  // namespace qtx::models
