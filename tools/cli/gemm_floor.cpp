#include "tools/cli/gemm_floor.h"

#include <cstdio>
#include <string>

#include "engine/cpu/common/thread_limit.h"
#include "engine/ops/op_slots.h"
#include "qtx/error.h"
#include "tools/cli/node_profile.h"

namespace qtx::cli {
namespace {

// Enough runs for a stable median of sub-millisecond shapes; the large ones dominate the
// total either way.
constexpr int kWarmup = 3;
constexpr int kIterations = 15;
constexpr double kUsPerMs = 1000.0;

const fb::TensorT& tensor_at(const fb::GraphT& graph, int index) {
  if (index < 0 || static_cast<size_t>(index) >= graph.tensors.size()) {
    throw Error(ErrorCode::kInvalidFile,
                "gemm floor: tensor index " + std::to_string(index) + " outside the graph");
  }
  return *graph.tensors[static_cast<size_t>(index)];
}

// Whether tensor `index` is written by a Pooling node: its readers see one row per sequence.
bool is_pooled(const fb::GraphT& graph, int index) {
  for (const auto& node : graph.nodes) {
    if (node->op.type != fb::Op::PoolingAttrs) continue;
    for (int output : node->outputs) {
      if (output == index) return true;
    }
  }
  return false;
}

void add_shape(std::vector<FloorShape>& shapes, cli::GemmShape s) {
  for (FloorShape& f : shapes) {
    if (f.shape.m == s.m && f.shape.k == s.k && f.shape.n == s.n) {
      ++f.count;
      return;
    }
  }
  shapes.push_back({s, 1, 0.0, 0.0});
}

}  // namespace

std::vector<FloorShape> linear_shapes(const ModelDef& model, int64_t rows, int64_t sequences) {
  const fb::GraphT& graph = model.graph();
  std::vector<FloorShape> shapes;
  for (const auto& node : graph.nodes) {
    using Slot = ops::LinearSlots;
    if (node->op.type != fb::Op::LinearAttrs || node->inputs.size() <= Slot::kWeight) continue;
    const fb::TensorT& weight = tensor_at(graph, node->inputs[Slot::kWeight]);
    if (!weight.constant || weight.shape.size() != 2) continue;
    const int64_t m = is_pooled(graph, node->inputs[Slot::kX]) ? sequences : rows;
    add_shape(shapes, {m, weight.shape[1], weight.shape[0]});
  }
  return shapes;
}

bool uses_int8_gemms(const ModelDef& model) {
  for (const auto& node : model.graph().nodes) {
    if (node->op.type != fb::Op::LinearAttrs) continue;
    const ops::LinearMode mode = linear_node_mode(model, *node);
    if (mode == ops::LinearMode::kStatic || mode == ops::LinearMode::kDynamic) return true;
  }
  return false;
}

GemmFloor measure_gemm_floor(const ModelDef& model, int64_t rows, int64_t sequences, int threads) {
  const cpu::ThreadLimit limit(threads);
  GemmFloor floor{linear_shapes(model, rows, sequences), 0.0, 0.0};
  for (FloorShape& f : floor.shapes) {
    f.f32_us = cli::time_matmul_us(f.shape, cli::GemmKind::kF32, kWarmup, kIterations);
    f.int8_us = cli::time_matmul_us(f.shape, cli::GemmKind::kU8S8, kWarmup, kIterations);
    floor.f32_ms += static_cast<double>(f.count) * f.f32_us / kUsPerMs;
    floor.int8_ms += static_cast<double>(f.count) * f.int8_us / kUsPerMs;
  }
  return floor;
}

void print_gemm_floor(const GemmFloor& floor) {
  for (const FloorShape& f : floor.shapes) {
    std::printf("%-22s %lld x %lld x %lld (x%lld): f32 %.1f us, int8 %.1f us\n", "gemm shape",
                static_cast<long long>(f.shape.m), static_cast<long long>(f.shape.k),
                static_cast<long long>(f.shape.n), static_cast<long long>(f.count), f.f32_us,
                f.int8_us);
  }
  std::printf("%-22s f32 %.3f ms, int8 %.3f ms (oneDNN matmuls alone)\n", "gemm floor",
              floor.f32_ms, floor.int8_ms);
}

Json gemm_floor_json(const GemmFloor& floor) {
  Json shapes{Json::Array{}};
  for (const FloorShape& f : floor.shapes) {
    Json s;
    s.set("m", f.shape.m);
    s.set("k", f.shape.k);
    s.set("n", f.shape.n);
    s.set("count", f.count);
    s.set("f32_us", f.f32_us);
    s.set("int8_us", f.int8_us);
    shapes.push_back(std::move(s));
  }
  Json out;
  out.set("f32_ms", floor.f32_ms);
  out.set("int8_ms", floor.int8_ms);
  out.set("shapes", std::move(shapes));
  return out;
}

}  // namespace qtx::cli
