// Builds a ModelDef's graph node by node (used by models/ and by tests). Tensor names are
// unique; adding a duplicate is an error naming it.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/graph/model_def.h"

namespace qtx {

class GraphBuilder {
 public:
  explicit GraphBuilder(ModelDef& model);

  // A graph input (input_ids, attention_mask: I32 [B, S]).
  int input(const std::string& name, DType dtype);
  // A constant tensor holding `data` (its dtype and shape are the tensor's).
  int constant(const std::string& name, Tensor data);
  // A node with one output tensor named `output` (float32 unless said otherwise);
  // `attrs` is one of the fb::*AttrsT tables. Returns the output tensor index.
  template <typename Attrs>
  int node(const std::string& output, Attrs attrs, std::vector<int> inputs,
           DType out_dtype = DType::F32) {
    fb::OpUnion op;
    op.Set(std::move(attrs));
    return add_node(output, std::move(op), std::move(inputs), out_dtype);
  }
  void output(int tensor);

  int find(const std::string& name) const;  // -1 when absent

 private:
  int add_tensor(const std::string& name, DType dtype);
  int add_node(const std::string& output, fb::OpUnion op, std::vector<int> inputs, DType dtype);

  ModelDef& model_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace qtx
