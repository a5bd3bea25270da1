// The calibration driver: runs the float model through the Executor on the calibration
// sequences, in batches of recipe.calibration_batch, with a RunObserver that feeds the values
// of every planned quantization point that real tokens see (calib_visible.h) to that point's
// range estimator.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "converter/quantize_plan.h"
#include "engine/graph/model_def.h"

namespace qtx::convert {

struct Calibration {
  std::vector<ValueRange> ranges;  // one per point, in the points' order
  int sequences = 0;               // calibration sequences run
};

// `model`: the float32 model, with its tokenizer. `progress` (may be empty) is told each batch.
// Errors name the point when the model produced a non-finite value there or the runtime never
// reported it.
Calibration calibrate(const std::shared_ptr<const ModelDef>& model,
                      const std::vector<QuantPoint>& points, const QuantRecipe& recipe,
                      const std::function<void(const std::string&)>& progress);

}  // namespace qtx::convert
