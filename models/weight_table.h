// The checkpoint tensors a model needs, checked as the builder asks for them. A missing or
// ill-shaped tensor does not stop the build: it is recorded, and finish() reports every one in
// a single error (name, expected shape, found shape), so a user fixes a checkpoint in one go.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "converter/checkpoint.h"
#include "engine/graph/graph_builder.h"

namespace qtx::models {

// Accepted spellings of one tensor, most usual first (e.g. "LayerNorm.weight" and the old
// "LayerNorm.gamma").
using TensorNames = std::vector<std::string>;

class WeightTable {
 public:
  explicit WeightTable(const convert::Checkpoint& checkpoint) : checkpoint_(checkpoint) {}

  bool contains(const std::string& name) const { return checkpoint_.contains(name); }
  // The first of `names` in the checkpoint as float32 when its shape is `shape`; otherwise
  // the problem is recorded and nullopt returned.
  std::optional<Tensor> load(const TensorNames& names, const Shape& shape);
  // load() added to the graph as a constant named after the checkpoint tensor. A missing
  // tensor becomes an empty placeholder: finish() throws before such a graph is used.
  int constant(GraphBuilder& graph, const TensorNames& names, const Shape& shape);
  // Throws qtx::Error(kInvalidFile) listing every recorded problem.
  void finish() const;

 private:
  const convert::Checkpoint& checkpoint_;
  std::vector<std::string> problems_;
};

// Stacks equally shaped tensors along a new leading axis (per-head gate weights -> one
// [heads, ...] tensor).
Tensor stack(const std::vector<Tensor>& parts);

}  // namespace qtx::models
