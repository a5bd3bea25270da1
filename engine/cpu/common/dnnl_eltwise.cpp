#include "engine/cpu/common/dnnl_eltwise.h"

namespace qtx::cpu {
namespace {

dnnl::algorithm eltwise_of(fb::Activation act) {
  switch (act) {
    case fb::Activation::Gelu:
      return dnnl::algorithm::eltwise_gelu_erf;
    case fb::Activation::GeluTanh:
      return dnnl::algorithm::eltwise_gelu_tanh;
    case fb::Activation::Relu:
      return dnnl::algorithm::eltwise_relu;
    case fb::Activation::Tanh:
      return dnnl::algorithm::eltwise_tanh;
    case fb::Activation::None:
      break;
  }
  return dnnl::algorithm::undef;
}

}  // namespace

void set_activation_post_op(fb::Activation act, dnnl::primitive_attr& attr) {
  if (act == fb::Activation::None) return;
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, eltwise_of(act), 0.0f, 0.0f);
  attr.set_post_ops(ops);
}

}  // namespace qtx::cpu
