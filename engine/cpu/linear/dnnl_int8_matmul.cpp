#include "engine/cpu/linear/dnnl_int8_matmul.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/cpu/common/dnnl_eltwise.h"
#include "engine/cpu/linear/dnnl_matmul_cache.h"
#include "qtx/error.h"

namespace qtx::cpu {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

// The output scales, bias and activation of the fused form.
dnnl::primitive_attr fused_attr(const DnnlDequantization& d) {
  dnnl::primitive_attr attr;
  // Mask 1 << 1: one scale per column of the [m, n] destination; 0: one for all.
  attr.set_output_scales(d.scales.size() == 1 ? 0 : 1 << 1, d.scales);
  set_activation_post_op(d.activation, attr);
  return attr;
}

}  // namespace

struct DnnlInt8Matmul::Impl {
  std::shared_ptr<const DnnlEngine> owner;
  const dnnl::engine& engine;
  int64_t n, k;
  dt src_type;
  dt dst_type;
  dnnl::primitive_attr attr;
  dnnl::memory weights;  // in the layout chosen for kDnnlLayoutRows rows
  dnnl::memory bias;     // [1, n] f32 in accumulator units, or empty
  MatmulCache compiled;

  Impl(std::shared_ptr<const DnnlEngine> e, int64_t n_, int64_t k_, bool signed_src,
       const DnnlDequantization* d)
      : owner(std::move(e)),
        engine(owner->impl().engine),
        n(n_),
        k(k_),
        src_type(signed_src ? dt::s8 : dt::u8),
        dst_type(d ? dt::f32 : dt::s32),
        attr(d ? fused_attr(*d) : dnnl::primitive_attr()) {
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  }

  dnnl::matmul::primitive_desc describe(int64_t m, const dnnl::memory::desc& wmd) const {
    const dnnl::memory::desc src({m, k}, src_type, tag::ab);
    const dnnl::memory::desc dst({m, n}, dst_type, tag::ab);
    const dnnl::matmul::desc d = bias ? dnnl::matmul::desc(src, wmd, bias.get_desc(), dst)
                                      : dnnl::matmul::desc(src, wmd, dst);
    return dnnl::matmul::primitive_desc(d, attr, engine);
  }

  CompiledMatmul compile(int64_t m) const {
    const auto pd = describe(m, weights.get_desc());
    return {dnnl::matmul(pd), pd.scratchpad_desc()};
  }

  void execute(const uint8_t* x, int64_t m, void* out) const {
    try {
      const auto c = compiled.get(m, [this](int64_t rows) { return compile(rows); });
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC,
           dnnl::memory({{m, k}, src_type, tag::ab}, engine, const_cast<uint8_t*>(x))},
          {DNNL_ARG_WEIGHTS, weights},
          {DNNL_ARG_DST, dnnl::memory({{m, n}, dst_type, tag::ab}, engine, out)}};
      if (bias) args.emplace(DNNL_ARG_BIAS, bias);
      execute_matmul(*owner, *c, std::move(args));
    } catch (const dnnl::error& e) {
      throw Error(ErrorCode::kInternal, std::string("oneDNN int8 matmul failed: ") + e.what());
    }
  }
};

DnnlInt8Matmul::DnnlInt8Matmul(std::shared_ptr<const DnnlEngine> engine, const int8_t* weight,
                               int64_t n, int64_t k, bool signed_src,
                               const DnnlDequantization* dequantize) {
  if (!engine) throw Error(ErrorCode::kInternal, "oneDNN int8 matmul: no engine");
  try {
    impl_ = std::make_unique<Impl>(std::move(engine), n, k, signed_src, dequantize);
    Impl& im = *impl_;
    dnnl::stream stream(im.engine);
    if (dequantize && !dequantize->bias.empty()) {
      im.bias = dnnl::memory({{1, n}, dt::f32, tag::ab}, im.engine);
      dnnl::memory given({{1, n}, dt::f32, tag::ab}, im.engine,
                         const_cast<float*>(dequantize->bias.data()));
      dnnl::reorder(given, im.bias).execute(stream, given, im.bias);
    }
    // W [n, k] row-major is the matmul's [k, n] weight in column-major ("ba") order.
    dnnl::memory plain({{k, n}, dt::s8, tag::ba}, im.engine, const_cast<int8_t*>(weight));
    const auto pd = im.describe(kDnnlLayoutRows, {{k, n}, dt::s8, tag::any});
    im.weights = dnnl::memory(pd.weights_desc(), im.engine);
    dnnl::reorder(plain, im.weights).execute(stream, plain, im.weights);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("oneDNN int8 matmul setup failed: ") + e.what());
  }
}

DnnlInt8Matmul::~DnnlInt8Matmul() = default;

bool DnnlInt8Matmul::fused() const {
  return impl_->dst_type == dt::f32;
}

void DnnlInt8Matmul::run(const uint8_t* x, int64_t m, int32_t* raw) const {
  if (fused()) throw Error(ErrorCode::kInternal, "fused int8 matmul asked for int32 sums");
  impl_->execute(x, m, raw);
}

void DnnlInt8Matmul::run(const uint8_t* x, int64_t m, float* y) const {
  if (!fused()) throw Error(ErrorCode::kInternal, "int8 matmul without dequantization asked for y");
  impl_->execute(x, m, y);
}

}  // namespace qtx::cpu
