// A single weights file (safetensors or torch zip). Beyond TensorSource it can say whether it
// holds a tensor that entries() leaves out because its dtype is not a float type, so a shard
// index naming such a tensor (e.g. an int64 position_ids buffer) is not taken for corrupt.
#pragma once

#include <string>

#include "converter/checkpoint.h"

namespace qtx::convert {

class TensorFile : public TensorSource {
 public:
  virtual bool holds_unsupported(const std::string& name) const = 0;
};

}  // namespace qtx::convert
