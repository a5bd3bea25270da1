// The input slots of every op, named once (engine/format/qtx.fbs says what each holds): the
// loader checks a node's inputs against its op's arity, and the runner, the executor's kernel
// preparation, the converter and the tools read inputs through these names. A node may leave
// inputs past its op's required ones absent (-1) or out.
#pragma once

#include <cstddef>

#include "qtx_generated.h"

namespace qtx::ops {

struct OpArity {
  size_t required = 0;
  size_t max = 0;
};

struct EmbeddingSlots {
  enum : size_t { kIds, kMask, kWordTable, kPositionTable, kTokenTypeTable, kTokenTypeIds, kCount };
  static constexpr OpArity kArity{kTokenTypeTable, kCount};
};

struct LayerNormSlots {
  enum : size_t { kX, kGamma, kBeta, kCount };
  static constexpr OpArity kArity{kCount, kCount};
};

struct LinearSlots {
  enum : size_t { kX, kWeight, kBias, kOutlierColumns, kOutlierWeight, kCount };
  static constexpr OpArity kArity{kBias, kCount};
};

// The gate of gated attention takes its input and, for a linear gate, w and b, for an MLP gate
// w1, b1, w2 and b2, from kGateInput on.
struct AttentionSlots {
  enum : size_t { kQ, kK, kV, kMask, kGateInput, kGateWeights };
  static constexpr size_t kLinearGateTensors = 2;
  static constexpr size_t kMlpGateTensors = 4;
  static constexpr OpArity arity(fb::GateKind gate) {
    switch (gate) {
      case fb::GateKind::Linear:
        return {kGateWeights + kLinearGateTensors, kGateWeights + kLinearGateTensors};
      case fb::GateKind::Mlp:
        return {kGateWeights + kMlpGateTensors, kGateWeights + kMlpGateTensors};
      case fb::GateKind::None:
        break;
    }
    return {kGateInput, kGateWeights + kMlpGateTensors};
  }
};

struct ActivationSlots {
  enum : size_t { kX, kCount };
  static constexpr OpArity kArity{kCount, kCount};
};

struct AddSlots {
  enum : size_t { kA, kB, kCount };
  static constexpr OpArity kArity{kCount, kCount};
};

struct PoolingSlots {
  enum : size_t { kX, kMask, kCount };
  static constexpr OpArity kArity{kCount, kCount};
};

// The arity of a node's op ({0, 0} for an unknown op).
inline OpArity op_arity(const fb::OpUnion& op) {
  switch (op.type) {
    case fb::Op::EmbeddingAttrs:
      return EmbeddingSlots::kArity;
    case fb::Op::LayerNormAttrs:
      return LayerNormSlots::kArity;
    case fb::Op::LinearAttrs:
      return LinearSlots::kArity;
    case fb::Op::AttentionAttrs:
      return AttentionSlots::arity(op.AsAttentionAttrs()->gate);
    case fb::Op::ActivationAttrs:
      return ActivationSlots::kArity;
    case fb::Op::AddAttrs:
      return AddSlots::kArity;
    case fb::Op::PoolingAttrs:
      return PoolingSlots::kArity;
    case fb::Op::NONE:
      break;
  }
  return {};
}

}  // namespace qtx::ops
