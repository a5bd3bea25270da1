#include "engine/cpu/linear/dnnl_linear.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/cpu/common/dnnl_eltwise.h"
#include "engine/cpu/linear/dnnl_matmul_cache.h"
#include "qtx/error.h"

namespace qtx::cpu {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct DnnlLinear::Impl {
  std::shared_ptr<const DnnlEngine> owner;
  const dnnl::engine& engine;
  int64_t n, k;
  dnnl::primitive_attr attr;
  dnnl::memory plain;    // the caller's [n, k] weight, viewed as [k, n] "ba"
  dnnl::memory weights;  // in the layout chosen for kDnnlLayoutRows rows
  dnnl::memory bias;     // [1, n] or empty
  MatmulCache compiled;

  Impl(std::shared_ptr<const DnnlEngine> e, int64_t n_, int64_t k_)
      : owner(std::move(e)), engine(owner->impl().engine), n(n_), k(k_) {}

  dnnl::matmul::primitive_desc describe(int64_t m, const dnnl::memory::desc& wmd) const {
    const dnnl::memory::desc src({m, k}, dt::f32, tag::ab);
    const dnnl::memory::desc dst({m, n}, dt::f32, tag::ab);
    const dnnl::matmul::desc d = bias ? dnnl::matmul::desc(src, wmd, bias.get_desc(), dst)
                                      : dnnl::matmul::desc(src, wmd, dst);
    return dnnl::matmul::primitive_desc(d, attr, engine);
  }

  CompiledMatmul compile(int64_t m) const {
    try {
      const auto pd = describe(m, weights.get_desc());
      return {dnnl::matmul(pd), pd.scratchpad_desc(), true};
    } catch (const dnnl::error&) {
      const auto pd = describe(m, plain.get_desc());
      return {dnnl::matmul(pd), pd.scratchpad_desc(), false};
    }
  }
};

DnnlLinear::DnnlLinear(std::shared_ptr<const DnnlEngine> engine, const float* weight,
                       const float* bias, int64_t n, int64_t k, fb::Activation act)
    : impl_(std::make_unique<Impl>(std::move(engine), n, k)) {
  Impl& im = *impl_;
  try {
    im.attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    set_activation_post_op(act, im.attr);
    dnnl::stream stream(im.engine);
    if (bias) {
      im.bias = dnnl::memory({{1, n}, dt::f32, tag::ab}, im.engine);
      dnnl::memory given({{1, n}, dt::f32, tag::ab}, im.engine, const_cast<float*>(bias));
      dnnl::reorder(given, im.bias).execute(stream, given, im.bias);
    }
    // W [n, k] row-major is the matmul's [k, n] weight in column-major ("ba") order.
    im.plain = dnnl::memory({{k, n}, dt::f32, tag::ba}, im.engine, const_cast<float*>(weight));
    const auto pd = im.describe(kDnnlLayoutRows, {{k, n}, dt::f32, tag::any});
    im.weights = dnnl::memory(pd.weights_desc(), im.engine);
    dnnl::reorder(im.plain, im.weights).execute(stream, im.plain, im.weights);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("oneDNN matmul setup failed: ") + e.what());
  }
}

DnnlLinear::~DnnlLinear() = default;

void DnnlLinear::run(const float* x, int64_t m, float* y) const {
  const Impl& im = *impl_;
  try {
    const auto c = im.compiled.get(m, [&im](int64_t rows) { return im.compile(rows); });
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC,
         dnnl::memory({{m, im.k}, dt::f32, tag::ab}, im.engine, const_cast<float*>(x))},
        {DNNL_ARG_WEIGHTS, c->packed ? im.weights : im.plain},
        {DNNL_ARG_DST, dnnl::memory({{m, im.n}, dt::f32, tag::ab}, im.engine, y)}};
    if (im.bias) args.emplace(DNNL_ARG_BIAS, im.bias);
    execute_matmul(*im.owner, *c, std::move(args));
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("oneDNN matmul failed: ") + e.what());
  }
}

}  // namespace qtx::cpu
