#include "engine/cpu/dnnl_int8_matmul.h"

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "oneapi/dnnl/dnnl.hpp"
#include "qtx/error.h"

namespace qtx::cpu {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

// The row count the weight layout is chosen for: a typical prefill (batch x sequence).
constexpr int64_t kLayoutRows = 128;
// Distinct row counts kept; beyond it the cache starts over (bounded memory).
constexpr size_t kMaxCachedPrimitives = 64;

struct Compiled {
  dnnl::matmul matmul;
  dnnl::memory::desc scratch;
};

}  // namespace

struct DnnlInt8Matmul::Impl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  int64_t n, k;
  dt src_type;
  dnnl::primitive_attr attr;
  dnnl::memory weights;  // in the layout chosen for kLayoutRows rows
  mutable std::mutex mutex;
  mutable std::map<int64_t, std::shared_ptr<const Compiled>> compiled;

  Impl(int64_t n_, int64_t k_, bool signed_src)
      : n(n_), k(k_), src_type(signed_src ? dt::s8 : dt::u8) {
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  }

  dnnl::matmul::primitive_desc describe(int64_t m, const dnnl::memory::desc& wmd) const {
    const dnnl::memory::desc src({m, k}, src_type, tag::ab);
    const dnnl::memory::desc dst({m, n}, dt::s32, tag::ab);
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wmd, dst), attr, engine);
  }

  // Shared ownership: a caller keeps its primitive even if the cache starts over meanwhile.
  std::shared_ptr<const Compiled> get(int64_t m) const {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = compiled.find(m);
    if (it != compiled.end()) return it->second;
    if (compiled.size() >= kMaxCachedPrimitives) compiled.clear();
    const auto pd = describe(m, weights.get_desc());
    auto c = std::make_shared<const Compiled>(Compiled{dnnl::matmul(pd), pd.scratchpad_desc()});
    return compiled.emplace(m, std::move(c)).first->second;
  }
};

DnnlInt8Matmul::DnnlInt8Matmul(const int8_t* weight, int64_t n, int64_t k, bool signed_src)
    : impl_(std::make_unique<Impl>(n, k, signed_src)) {
  Impl& im = *impl_;
  try {
    dnnl::stream stream(im.engine);
    // W [n, k] row-major is the matmul's [k, n] weight in column-major ("ba") order.
    dnnl::memory plain({{k, n}, dt::s8, tag::ba}, im.engine, const_cast<int8_t*>(weight));
    const auto pd = im.describe(kLayoutRows, {{k, n}, dt::s8, tag::any});
    im.weights = dnnl::memory(pd.weights_desc(), im.engine);
    dnnl::reorder(plain, im.weights).execute(stream, plain, im.weights);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("oneDNN int8 matmul setup failed: ") + e.what());
  }
}

DnnlInt8Matmul::~DnnlInt8Matmul() = default;

void DnnlInt8Matmul::run(const uint8_t* x, int64_t m, int32_t* raw) const {
  const Impl& im = *impl_;
  try {
    const std::shared_ptr<const Compiled> c = im.get(m);
    dnnl::stream stream(im.engine);
    const dnnl::memory src({{m, im.k}, im.src_type, tag::ab}, im.engine, const_cast<uint8_t*>(x));
    const dnnl::memory dst({{m, im.n}, dt::s32, tag::ab}, im.engine, raw);
    const dnnl::memory scratch(c->scratch, im.engine);
    c->matmul.execute(stream, {{DNNL_ARG_SRC, src},
                               {DNNL_ARG_WEIGHTS, im.weights},
                               {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, scratch}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(ErrorCode::kInternal, std::string("oneDNN int8 matmul failed: ") + e.what());
  }
}

}  // namespace qtx::cpu
