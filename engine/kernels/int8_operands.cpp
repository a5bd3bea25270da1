#include "engine/kernels/int8_operands.h"

namespace qtx::kernels {

ActivationCodes::ActivationCodes(int64_t m_, int64_t k_, bool is_signed_)
    : m(m_),
      k(k_),
      is_signed(is_signed_),
      bytes(std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(m_ * k_))),
      scales(static_cast<size_t>(m_)),
      zero_points(static_cast<size_t>(m_)) {}

}  // namespace qtx::kernels
