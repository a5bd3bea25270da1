#include "engine/cpu/int8_gemm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "engine/cpu/parallel_for.h"

namespace qtx::cpu {
namespace {

constexpr int64_t kCols = 16;  // output columns per micro-kernel: two ymm of 8 int32
constexpr int kRows = 4;       // rows per micro-kernel: 8 accumulators, 16 ymm registers in all

// Shifted codes a and |a| of every row, k padded with zeros to a multiple of 4.
struct PackedRows {
  int64_t stride;
  std::unique_ptr<int8_t[]> a;
  std::unique_ptr<uint8_t[]> abs;
};

// a = code - shift as s8 (for u8 codes, minus 128 is flipping the top bit) and |a| <= 128 as
// u8, then the zero padding; cloned for AVX2, where it runs 32 codes per instruction.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void pack_row(const uint8_t* codes, int64_t k,
                                                                  int64_t stride, uint8_t flip,
                                                                  int8_t* a, uint8_t* abs) {
  for (int64_t i = 0; i < k; ++i) {
    const auto v = static_cast<int8_t>(codes[i] ^ flip);
    a[i] = v;
    abs[i] = static_cast<uint8_t>(v < 0 ? -v : v);
  }
  for (int64_t i = k; i < stride; ++i) a[i] = 0, abs[i] = 0;
}

PackedRows pack_rows(const ActivationCodes& x, int64_t groups, int threads) {
  const int64_t stride = groups * 4;
  const auto size = static_cast<size_t>(x.m * stride);
  PackedRows p{stride, std::make_unique_for_overwrite<int8_t[]>(size),
               std::make_unique_for_overwrite<uint8_t[]>(size)};
  const auto flip = static_cast<uint8_t>(Avx2Int8Gemm::shift(x.is_signed));
  parallel_for(x.m, threads, std::max<int64_t>(1, (int64_t{1} << 14) / stride),
               [&](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   pack_row(x.bytes.get() + r * x.k, x.k, stride, flip, p.a.get() + r * stride,
                            p.abs.get() + r * stride);
                 }
               });
  return p;
}

__attribute__((target("avx2"))) inline __m256i broadcast4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm256_set1_epi32(v);
}

// out [rows][16] = products of `rows` packed rows with one 16-column weight block.
template <int rows>
__attribute__((target("avx2"))) void micro_kernel(const int8_t* a, const uint8_t* abs,
                                                  int64_t stride, const int8_t* block,
                                                  int64_t groups, int32_t* out) {
  __m256i acc[rows][2];
  for (int r = 0; r < rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + g * 64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + g * 64 + 32));
    for (int r = 0; r < rows; ++r) {
      const __m256i va = broadcast4(a + r * stride + g * 4);
      const __m256i vabs = broadcast4(abs + r * stride + g * 4);
      const __m256i p0 = _mm256_maddubs_epi16(vabs, _mm256_sign_epi8(w0, va));
      const __m256i p1 = _mm256_maddubs_epi16(vabs, _mm256_sign_epi8(w1, va));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(p0, ones));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(p1, ones));
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + r * kCols), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + r * kCols + 8), acc[r][1]);
  }
}

using MicroKernel = void (*)(const int8_t*, const uint8_t*, int64_t, const int8_t*, int64_t,
                             int32_t*);
constexpr MicroKernel kKernels[kRows + 1] = {nullptr, micro_kernel<1>, micro_kernel<2>,
                                             micro_kernel<3>, micro_kernel<4>};

}  // namespace

bool Avx2Int8Gemm::supported() {
  return __builtin_cpu_supports("avx2");
}

Avx2Int8Gemm::Avx2Int8Gemm(const int8_t* weight, int64_t n, int64_t k)
    : n_(n), k_groups_((k + 3) / 4) {
  const int64_t blocks = (n + kCols - 1) / kCols;
  packed_.assign(static_cast<size_t>(blocks * k_groups_ * kCols * 4), 0);
  for (int64_t c = 0; c < n; ++c) {
    const int64_t block = c / kCols, col = c % kCols;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t at = ((block * k_groups_ + i / 4) * kCols + col) * 4 + i % 4;
      packed_[static_cast<size_t>(at)] = weight[c * k + i];
    }
  }
}

void Avx2Int8Gemm::accumulate_shifted(const ActivationCodes& x, int threads, int32_t* raw) const {
  const PackedRows rows = pack_rows(x, k_groups_, threads);
  const int64_t blocks = (n_ + kCols - 1) / kCols;
  const int64_t work_per_block = x.m * k_groups_ * kCols * 4;
  const int64_t min_blocks = std::max<int64_t>(1, (int64_t{1} << 18) / work_per_block);
  parallel_for(blocks, threads, min_blocks, [&](int64_t begin, int64_t end) {
    int32_t tile[kRows * kCols];
    for (int64_t b = begin; b < end; ++b) {
      const int8_t* block = packed_.data() + b * k_groups_ * kCols * 4;
      const int64_t cols = std::min(kCols, n_ - b * kCols);
      for (int64_t r = 0; r < x.m; r += kRows) {
        const int64_t count = std::min<int64_t>(kRows, x.m - r);
        kKernels[count](rows.a.get() + r * rows.stride, rows.abs.get() + r * rows.stride,
                        rows.stride, block, k_groups_, tile);
        for (int64_t i = 0; i < count; ++i) {
          std::memcpy(raw + (r + i) * n_ + b * kCols, tile + i * kCols,
                      static_cast<size_t>(cols) * sizeof(int32_t));
        }
      }
    }
  });
}

}  // namespace qtx::cpu
