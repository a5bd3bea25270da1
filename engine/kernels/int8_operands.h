// The operands of the int8 contract's integer products (engine/format/qtx.fbs, LinearAttrs):
// an int8 weight with its scales, and quantized activations with one grid per row. Every
// backend's integer kernels take and produce these.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace qtx::kernels {

// The quantized input of one Linear call: [m, k] codes with one grid per row (static
// quantization repeats the tensor's grid).
struct ActivationCodes {
  ActivationCodes() = default;
  // Room for [m, k] codes, left uninitialised (the quantizer writes every one), and m grids.
  ActivationCodes(int64_t m, int64_t k, bool is_signed);

  int64_t m = 0;
  int64_t k = 0;
  bool is_signed = false;            // s8 codes (bytes hold their two's complement) or u8
  std::unique_ptr<uint8_t[]> bytes;  // [m, k]
  std::vector<float> scales;         // [m]
  std::vector<int32_t> zero_points;  // [m]

  int32_t code(int64_t row, int64_t col) const {
    const uint8_t b = bytes[static_cast<size_t>(row * k + col)];
    return is_signed ? static_cast<int8_t>(b) : b;
  }
};

// An I8 weight [n, k] with its symmetric scales (one per output channel, or one for all).
struct Int8Weight {
  const int8_t* codes = nullptr;
  int64_t n = 0;
  int64_t k = 0;
  const float* scales = nullptr;
  bool per_channel = false;

  float scale(int64_t channel) const { return per_channel ? scales[channel] : scales[0]; }
};

}  // namespace qtx::kernels
