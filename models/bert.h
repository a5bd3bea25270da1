// BERT (Devlin et al.): post-LN encoder with absolute positions and token types. Builds
// BertModel (last hidden states), BertForMaskedLM (transform + tied decoder) and
// BertForSequenceClassification (tanh pooler on [CLS] + classifier). Checkpoint names are
// accepted with or without the "bert." prefix and with the old LayerNorm.gamma/beta names.
#pragma once

#include "models/registry.h"

namespace qtx::models {

ModelDef build_bert(const ModelConfig& config, const convert::Checkpoint& checkpoint,
                    const Architecture& architecture, const BuildOptions& options);

}  // namespace qtx::models
