// The checked view of an I8 constant [rows, cols] with symmetric scales, one per row (axis 0) or
// one for all: the contract a Linear's int8 weight [N, K] and the Embedding's int8 tables share
// (qtx.fbs), read in place by the kernels as a kernels::Int8Weight.
#pragma once

#include <string>

#include "engine/kernels/int8_operands.h"
#include "engine/ops/op_context.h"

namespace qtx::ops {

// kInvalidFile for a shape that is not 2-D and non-empty, missing scales or a scale count that
// is neither 1 nor one per row along axis 0; `asymmetric` for a zero point other than 0.
// `what` names the constant in the message ("int8 weight"), `shape` says what was expected
// ("[N, K]").
kernels::Int8Weight int8_rows(const OpContext& ctx, const std::string& what, const char* shape,
                              const Tensor& t, const fb::QuantParamsT* params,
                              ErrorCode asymmetric);

}  // namespace qtx::ops
