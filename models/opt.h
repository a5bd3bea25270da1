// OPT (Zhang et al. 2022): pre-LN causal decoder with learned positions offset by 2 and a ReLU
// FFN. Builds OPTModel (final hidden states) and OPTForCausalLM (LM head tied to the token
// embeddings unless lm_head.weight is stored). Checkpoint names are accepted under
// "model.decoder.", "decoder." or no prefix. Post-LN OPT (350m) is refused as unsupported.
#pragma once

#include "models/registry.h"

namespace qtx::models {

ModelDef build_opt(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                   const Architecture& architecture, const BuildOptions& options);

}  // namespace qtx::models
