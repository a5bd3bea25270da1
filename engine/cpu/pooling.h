// Sequence pooling: [B, S, H] -> [B, H]. Cls takes each sequence's first token (BERT's pooler
// input); Mean averages the tokens the mask marks real, as sentence-transformers does.
#pragma once

#include <cstdint>

namespace qtx::cpu {

void pool_cls(const float* x, int64_t batch, int64_t seq, int64_t hidden, float* out);
// mask: [B, S]; a sequence with no real token pools to zeros.
void pool_mean(const float* x, const int32_t* mask, int64_t batch, int64_t seq, int64_t hidden,
               float* out);

}  // namespace qtx::cpu
