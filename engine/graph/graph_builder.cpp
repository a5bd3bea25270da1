#include "engine/graph/graph_builder.h"

#include "qtx/error.h"

namespace qtx {

GraphBuilder::GraphBuilder(ModelDef& model) : model_(model) {
  if (!model_.desc.graph) model_.desc.graph = std::make_unique<fb::GraphT>();
  const auto& tensors = model_.desc.graph->tensors;
  for (size_t i = 0; i < tensors.size(); ++i) index_[tensors[i]->name] = static_cast<int>(i);
  model_.constants.resize(tensors.size());
}

int GraphBuilder::add_tensor(const std::string& name, DType dtype) {
  if (index_.count(name)) {
    throw Error(ErrorCode::kInternal, "graph tensor '" + name + "' added twice");
  }
  auto t = std::make_unique<fb::TensorT>();
  t->name = name;
  t->dtype = dtype;
  auto& tensors = model_.desc.graph->tensors;
  tensors.push_back(std::move(t));
  model_.constants.emplace_back();
  const int id = static_cast<int>(tensors.size() - 1);
  index_[name] = id;
  return id;
}

int GraphBuilder::input(const std::string& name, DType dtype) {
  const int id = add_tensor(name, dtype);
  model_.desc.graph->inputs.push_back(id);
  return id;
}

int GraphBuilder::constant(const std::string& name, Tensor data) {
  const int id = add_tensor(name, data.dtype());
  auto& t = *model_.desc.graph->tensors[static_cast<size_t>(id)];
  t.constant = true;
  t.shape = data.shape();
  model_.constants[static_cast<size_t>(id)] = std::move(data);
  return id;
}

int GraphBuilder::add_node(const std::string& output, fb::OpUnion op, std::vector<int> inputs,
                           DType dtype) {
  const int out = add_tensor(output, dtype);
  auto n = std::make_unique<fb::NodeT>();
  n->name = output;
  n->op = std::move(op);
  n->inputs = std::move(inputs);
  n->outputs = {out};
  model_.desc.graph->nodes.push_back(std::move(n));
  return out;
}

void GraphBuilder::output(int tensor) {
  model_.desc.graph->outputs.push_back(tensor);
}

int GraphBuilder::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace qtx
