#include "converter/checkpoint.h"

#include "qtx/error.h"

namespace qtx::convert {

const TensorEntry* Checkpoint::find(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

bool Checkpoint::contains(const std::string& name) const { return find(name) != nullptr; }

}  // namespace qtx::convert
