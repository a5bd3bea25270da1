// The pickle inside a torch.save'd state dict (data.pkl), read by a restricted unpickler: it
// understands the opcodes torch.save emits and the few globals a state dict names
// (OrderedDict, _rebuild_tensor_v2, _rebuild_parameter, torch.*Storage types), and builds a
// description of each tensor. It never imports or calls anything: any other global, such as
// os.system, is refused with an error.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/graph/tensor.h"

namespace qtx::convert {

struct PickledTensor {
  std::string name;          // the state dict key
  std::string storage_type;  // e.g. "FloatStorage"
  std::string storage_key;   // the zip entry <prefix>/data/<key> holding the storage
  int64_t storage_numel = 0;
  int64_t offset = 0;  // in elements, into the storage
  Shape shape;
  Shape stride;
};

// Reads a pickle whose root is a dict of tensors. Throws qtx::Error(kInvalidFile) naming
// `context` (the file) for a corrupt or hostile pickle.
std::vector<PickledTensor> read_torch_pickle(std::span<const std::byte> pickle,
                                             const std::string& context);

}  // namespace qtx::convert
