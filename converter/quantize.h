// The graph rewrite of quantization: a float32 ModelDef, its QuantPlan and calibrated ranges
// -> the quantized ModelDef the runtime executes (engine/format/qtx.fbs, the INT8 contract).
// - The weight of each quantized Linear becomes an I8 constant (codes) with its QuantParams,
//   in place. A word table tied to a quantized LM head is that I8 tensor, read by both the
//   head and the Embedding (which dequantizes the rows it looks up): no float copy, so an int8
//   file is about a quarter of the float32 one. A weight also read by a --keep-float Linear
//   keeps its float tensor; the quantized Linear then reads a new I8 constant "<weight>.int8".
// - The Embedding's other tables (position, token type, and the word table when no quantized
//   Linear shares it: an untied head) become I8 too, per row, absmax, unless a keep-float
//   pattern names them. A tied head kept float (--keep-float logits, the paper preset) keeps
//   the word table float32: such files are larger (the word table is often the biggest tensor:
//   30522 x H for BERT, 50272 x H for OPT).
// - Dynamic recipes set LinearAttrs.dynamic_quant on every quantized Linear.
// - Static recipes put QuantParams on each planned point: the producing node's output tensor,
//   or AttentionAttrs.scores_quant / probs_quant.
// - The zero point of asymmetric inputs is NOT folded here: the runtime folds it into the
//   bias at load (qtx.fbs, LinearAttrs).
// - The recipe is recorded in model.desc.recipe.
#pragma once

#include <vector>

#include "converter/calib_estimator.h"
#include "converter/quantize_plan.h"
#include "engine/graph/model_def.h"

namespace qtx::convert {

// `ranges[i]` is the calibrated range of plan.activations[i]; `samples_used` the number of
// calibration sequences (recorded in the recipe). Throws kInvalidArgument when the sizes
// disagree or a weight is not float32.
void quantize_model(ModelDef& model, const QuantPlan& plan, const std::vector<ValueRange>& ranges,
                    const QuantRecipe& recipe, int samples_used);

}  // namespace qtx::convert
