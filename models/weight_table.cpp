#include "models/weight_table.h"

#include <cstring>

#include "qtx/error.h"

namespace qtx::models {

std::optional<Tensor> WeightTable::load(const TensorNames& names, const Shape& shape) {
  for (const auto& name : names) {
    const convert::TensorEntry* entry = checkpoint_.find(name);
    if (entry == nullptr) continue;
    if (entry->shape != shape) {
      problems_.push_back(name + ": expected shape " + shape_string(shape) + ", found " +
                          shape_string(entry->shape));
      return std::nullopt;
    }
    return checkpoint_.load_f32(name);
  }
  std::string spelled = names.empty() ? std::string("(unnamed)") : names.front();
  for (size_t i = 1; i < names.size(); ++i) spelled += " or " + names[i];
  problems_.push_back(spelled + ": expected shape " + shape_string(shape) + ", missing");
  return std::nullopt;
}

int WeightTable::constant(GraphBuilder& graph, const TensorNames& names, const Shape& shape) {
  std::optional<Tensor> data = load(names, shape);
  std::string name = names.front();
  for (const auto& candidate : names) {
    if (checkpoint_.contains(candidate)) {
      name = candidate;
      break;
    }
  }
  return graph.constant(name, data ? std::move(*data) : Tensor());
}

void WeightTable::finish() const {
  if (problems_.empty()) return;
  std::string message = checkpoint_.path().string() + ": " + std::to_string(problems_.size()) +
                        " tensor(s) missing or ill-shaped:";
  for (const auto& problem : problems_) message += "\n  " + problem;
  throw Error(ErrorCode::kInvalidFile, message);
}

Tensor stack(const std::vector<Tensor>& parts) {
  if (parts.empty()) throw Error(ErrorCode::kInternal, "stack of no tensors");
  Shape shape = parts.front().shape();
  shape.insert(shape.begin(), static_cast<int64_t>(parts.size()));
  Tensor out(DType::F32, shape);
  float* dst = out.data<float>();
  for (const auto& part : parts) {
    if (part.shape() != parts.front().shape()) {
      throw Error(ErrorCode::kInternal, "stack of differently shaped tensors");
    }
    std::memcpy(dst, part.data<float>(), part.nbytes());
    dst += part.numel();
  }
  return out;
}

}  // namespace qtx::models
