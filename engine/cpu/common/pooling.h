// Sequence pooling: x [B, S, H] -> [B, H] over the tokens the mask [B, S] marks real (either
// padding side), as sentence-transformers' Pooling module computes it (DESIGN.md, "Graph and
// ops"). A sequence with no real token pools to zeros.
#pragma once

#include <cstdint>

#include "qtx_generated.h"

namespace qtx::cpu {

void pool(fb::PoolingMode mode, const float* x, const int32_t* mask, int64_t batch, int64_t seq,
          int64_t hidden, float* out);

}  // namespace qtx::cpu
