// The GEMM floor of a model for `qtx bench`: the time oneDNN's matmuls alone need for every
// Linear of the graph at the benchmark's token count, in float32 and in int8 (u8 x s8 -> s32),
// measured in the same process as the forward pass it is compared with
// (tools/cli/matmul_floor.h; shared/CEILINGS.md explains the method). Attention's own
// matmuls, LayerNorm, activations and quantization are what qtx adds above this floor.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/model_def.h"
#include "engine/util/json.h"
#include "tools/cli/matmul_floor.h"

namespace qtx::cli {

// One distinct GEMM shape of the model, how many Linears have it and its measured times.
struct FloorShape {
  cli::GemmShape shape;
  int64_t count = 0;
  double f32_us = 0.0;
  double int8_us = 0.0;
};

struct GemmFloor {
  std::vector<FloorShape> shapes;
  double f32_ms = 0.0;   // sum over the Linears of the float32 matmul medians
  double int8_ms = 0.0;  // the same in int8
};

// The distinct Linear shapes of `model` when `rows` tokens go through it (a pooled head's
// Linears see `sequences` rows), in graph order of first appearance.
std::vector<FloorShape> linear_shapes(const ModelDef& model, int64_t rows, int64_t sequences);

// Whether `model`'s Linears run int8 GEMMs (static or dynamic W8A8), so that its forward pass
// compares with the int8 floor; float and weight-only models compare with the f32 floor.
bool uses_int8_gemms(const ModelDef& model);

// Times every shape on `threads` threads (<= 0: all cores).
GemmFloor measure_gemm_floor(const ModelDef& model, int64_t rows, int64_t sequences, int threads);

// Per-shape lines and the totals, for bench's table; and the same as a JSON object
// (keys f32_ms, int8_ms, shapes).
void print_gemm_floor(const GemmFloor& floor);
Json gemm_floor_json(const GemmFloor& floor);

}  // namespace qtx::cli
