#include "engine/cpu/linear/int8_gemm.h"

#include <utility>

#include "engine/cpu/linear/dnnl_int8_matmul.h"
#include "engine/cpu/linear/int8_gemm_avx2.h"
#include "qtx/error.h"

namespace qtx::cpu {
namespace {

// The contract (qtx.fbs) says weight codes lie in [-127, 127]; the loader checks the declared
// range, this the bytes. A -128 means the file breaks its own range, and the int32 overflow
// bound on the input depth (ops/linear.cpp, kMaxInt8Depth) assumes |w| <= 127.
void check_codes(const Int8Weight& w, const std::string& what) {
  for (int64_t i = 0; i < w.n * w.k; ++i) {
    if (w.codes[i] < -127) {
      throw Error(ErrorCode::kInvalidFile,
                  what + ": int8 weight holds -128, outside the symmetric range [-127, 127]");
    }
  }
}

// The fused path's scales s[n] = sx * sw[n] (float, as the reference forms them) and bias
// b'[n] = b[n] / s[n] - zx * rowsum[n] in accumulator units, computed in double and rounded
// once.
DnnlDequantization fused_dequantization(const Int8Weight& w, const QuantGrid& x,
                                        const std::vector<float>& bias,
                                        const std::vector<int32_t>& rowsum, fb::Activation act) {
  DnnlDequantization d;
  d.activation = act;
  for (int64_t c = 0; c < (w.per_channel ? w.n : 1); ++c) d.scales.push_back(x.scale * w.scale(c));
  if (bias.empty() && x.zero_point == 0) return d;
  for (int64_t c = 0; c < w.n; ++c) {
    const auto i = static_cast<size_t>(c);
    const double b = bias.empty() ? 0.0 : bias[i] / double{x.scale * w.scale(c)};
    d.bias.push_back(static_cast<float>(b - static_cast<double>(x.zero_point) * rowsum[i]));
  }
  return d;
}

}  // namespace

Int8Gemm::Int8Gemm(std::shared_ptr<const DnnlEngine> engine, const Int8Weight& w,
                   const Int8LinearSpec& spec, Int8Kernel kernel, const std::string& what)
    : weight_(w),
      signed_input_(spec.static_input && !fits_u8(*spec.static_input)),
      kernel_(kernel == Int8Kernel::kAuto ? best_int8_kernel() : kernel),
      static_input_(spec.static_input ? *spec.static_input : QuantGrid{}),
      is_static_(spec.static_input != nullptr),
      bias_(spec.bias ? std::vector<float>(spec.bias, spec.bias + w.n) : std::vector<float>{}),
      activation_(spec.activation),
      rowsum_(weight_row_sums(w)) {
  check_codes(w, what);
  if (kernel_ == Int8Kernel::kOneDnn && is_static_) {
    const DnnlDequantization d =
        fused_dequantization(w, static_input_, bias_, rowsum_, activation_);
    dnnl_ =
        std::make_unique<DnnlInt8Matmul>(std::move(engine), w.codes, w.n, w.k, signed_input_, &d);
  } else if (kernel_ == Int8Kernel::kOneDnn) {
    dnnl_ = std::make_unique<DnnlInt8Matmul>(std::move(engine), w.codes, w.n, w.k, signed_input_,
                                             nullptr);
  } else if (kernel_ == Int8Kernel::kAvx2) {
    if (!Avx2Int8Gemm::supported()) {
      throw Error(ErrorCode::kUnsupported, what + ": this CPU has no AVX2");
    }
    avx2_ = std::make_unique<Avx2Int8Gemm>(w.codes, w.n, w.k);
  }
}

Int8Gemm::~Int8Gemm() = default;

bool Int8Gemm::fused() const {
  return dnnl_ && dnnl_->fused();
}

void Int8Gemm::check_input(const ActivationCodes& x) const {
  const bool grid_differs =
      is_static_ && x.m > 0 &&
      (x.scales[0] != static_input_.scale || x.zero_points[0] != static_input_.zero_point);
  if (x.is_signed != signed_input_ || x.k != weight_.k || grid_differs) {
    throw Error(ErrorCode::kInternal, "int8 GEMM called with activations it was not prepared for");
  }
}

void Int8Gemm::run(const ActivationCodes& x, const QuantGrid* output, int threads, float* y,
                   const OutlierRows* outliers) const {
  check_input(x);
  if (fused()) {
    if (outliers) throw Error(ErrorCode::kInternal, "int8 GEMM: the fused path has no outliers");
    dnnl_->run(x.bytes.get(), x.m, y);
    if (output) fake_quantize_rows(*output, x.m, weight_.n, threads, y);
    return;
  }
  int32_t* raw = accumulators_in(y);
  const int32_t* rowsum = rowsum_.data();
  if (dnnl_) {
    dnnl_->run(x.bytes.get(), x.m, raw);
  } else if (avx2_) {
    avx2_->accumulate(x, threads, raw);
  } else {
    int8_accumulate_reference(x, weight_, raw);
    rowsum = nullptr;
  }
  const Int8Epilogue epilogue{bias_.empty() ? nullptr : bias_.data(), activation_, output,
                              outliers};
  int8_epilogue(x, weight_, rowsum, epilogue, threads, y);
}

}  // namespace qtx::cpu
