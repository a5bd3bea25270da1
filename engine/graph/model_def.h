// A model as the converter builds it and the loader restores it: the description (the
// object-API types generated from qtx.fbs: config, tokenizer, recipe, graph) plus the bytes of
// every constant tensor. constants[i] holds graph->tensors[i]'s data when that tensor is a
// constant, and is empty otherwise. Loaded constants are views into the mmapped file.
#pragma once

#include <vector>

#include "engine/graph/tensor.h"
#include "qtx_generated.h"

namespace qtx {

struct ModelDef {
  fb::ModelT desc;
  std::vector<Tensor> constants;

  const fb::GraphT& graph() const { return *desc.graph; }
  const fb::ConfigT& config() const { return *desc.config; }
};

}  // namespace qtx
