// The oneDNN eltwise algorithm of each qtx activation, for matmul post-ops (float and int8
// Linears): gelu_erf for BERT's exact GELU, gelu_tanh, relu, tanh. Only engine/cpu/ includes it.
#pragma once

#include "oneapi/dnnl/dnnl.hpp"
#include "qtx_generated.h"

namespace qtx::cpu {

// attr's post-ops: the activation alone, or none for Activation::None.
void set_activation_post_op(fb::Activation act, dnnl::primitive_attr& attr);

}  // namespace qtx::cpu
