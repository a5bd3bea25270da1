// Element types of tensors: the enum generated from qtx.fbs, so the file format and the
// runtime can never disagree about them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "qtx_generated.h"

namespace qtx {

using DType = fb::DType;

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);

// The C++ element type of each DType, for typed access to tensor data.
template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<int8_t>() {
  return DType::I8;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::U8;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::I32;
}

}  // namespace qtx
