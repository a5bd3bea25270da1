// The grid part of a QuantParams (qtx.fbs): scales finite and positive, qmin < qmax within
// [-128, 255], each zero point within [qmin, qmax]. Shared by the tensor checks (activation
// and weight params) and the graph checks (Attention's scores_quant / probs_quant).
#pragma once

#include <string>

#include "qtx_generated.h"

namespace qtx::format {

// An empty string when the grid is sane, else what is wrong with it.
std::string quant_grid_problem(const fb::QuantParamsT& q);

}  // namespace qtx::format
