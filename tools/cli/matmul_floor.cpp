#include "tools/cli/matmul_floor.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"
#include "qtx/error.h"

namespace qtx::cli {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

constexpr int64_t kMaxOperandElements = int64_t{1} << 31;

void check_shape(GemmShape s, int iterations) {
  const bool positive = s.m > 0 && s.k > 0 && s.n > 0;
  if (!positive || s.m > kMaxOperandElements / s.k || s.k > kMaxOperandElements / s.n ||
      s.m > kMaxOperandElements / s.n || iterations < 1) {
    throw Error(ErrorCode::kInvalidArgument, "matmul floor: unusable shape " + std::to_string(s.m) +
                                                 " x " + std::to_string(s.k) + " x " +
                                                 std::to_string(s.n) + " or iteration count");
  }
}

// Every byte 1 (f32 ~2.4e-38 is a normal number; u8/s8 code 1): non-zero, as real data is,
// so no kernel can skip work, and no value overflows the s32 accumulator.
dnnl::memory filled(const dnnl::memory::desc& md, const dnnl::engine& engine) {
  dnnl::memory mem(md, engine);
  std::fill_n(static_cast<unsigned char*>(mem.get_data_handle()), md.get_size(), 1);
  return mem;
}

double median_us(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t mid = samples.size() / 2;
  return samples.size() % 2 ? samples[mid] : 0.5 * (samples[mid - 1] + samples[mid]);
}

}  // namespace

double time_matmul_us(GemmShape shape, GemmKind kind, int warmup, int iterations) {
  check_shape(shape, iterations);
  const bool int8 = kind == GemmKind::kU8S8;
  try {
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const dnnl::memory::desc src_md({shape.m, shape.k}, int8 ? dt::u8 : dt::f32, tag::ab);
    const dnnl::memory::desc dst_md({shape.m, shape.n}, int8 ? dt::s32 : dt::f32, tag::ab);
    const dnnl::memory::desc plain_md({shape.k, shape.n}, int8 ? dt::s8 : dt::f32, tag::ba);
    const dnnl::memory::desc any_md({shape.k, shape.n}, int8 ? dt::s8 : dt::f32, tag::any);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_md, dst_md), engine);
    dnnl::memory plain = filled(plain_md, engine);
    dnnl::memory weights(pd.weights_desc(), engine);
    dnnl::reorder(plain, weights).execute(stream, plain, weights);
    const dnnl::memory src = filled(src_md, engine);
    const dnnl::memory dst(dst_md, engine);
    const dnnl::matmul matmul(pd);
    const std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    std::vector<double> samples;
    for (int i = 0; i < warmup + iterations; ++i) {
      const auto start = std::chrono::steady_clock::now();
      matmul.execute(stream, args);
      stream.wait();
      const std::chrono::duration<double, std::micro> elapsed =
          std::chrono::steady_clock::now() - start;
      if (i >= warmup) samples.push_back(elapsed.count());
    }
    return median_us(std::move(samples));
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("matmul floor: oneDNN failed: ") + e.what());
  }
}

}  // namespace qtx::cli
