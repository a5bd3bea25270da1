// The public ModelInfo of a model description (config, recipe), shared by qtx::Model and
// by `qtx inspect`, which reads descriptions without building a tokenizer or an executor.
#pragma once

#include <string>

#include "qtx/qtx.h"
#include "qtx_generated.h"

namespace qtx {

ModelInfo model_info(const fb::ModelT& desc);

// The public Pooling and the file's PoolingMode, one to one.
fb::PoolingMode pooling_mode(Pooling pooling);
Pooling pooling_of(fb::PoolingMode mode);

// "vanilla" or "clipped(gamma:zeta)", as the converter's --softmax option spells it.
std::string softmax_name(const fb::ConfigT& config);

}  // namespace qtx
