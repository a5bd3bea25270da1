#include "engine/cpu/linear/int8_gemm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <utility>

#include "engine/cpu/common/parallel_for.h"

namespace qtx::cpu {
namespace {

// A weight block is 8 output columns (one ymm of int32 sums) over all of k. A micro-kernel
// multiplies a panel of up to kMaxPanelRows activation rows by one or more weight blocks, with
// every accumulator in a register: per k pair it widens each block's 16 codes once and
// broadcasts each row's pair once, so a widening feeds `rows` vpmaddwd and a broadcast feeds
// `blocks` of them.
constexpr int64_t kBlockCols = 8;
// 14 accumulators, the widened weights and the broadcast pair (which the product overwrites)
// fill the 16 ymm registers. More rows per widening matter on Intel, where vpmovsxbw takes a
// slot of the ports that add and multiply.
constexpr int kMaxPanelRows = 14;
// Each thread runs every row panel over a group of weight blocks this large, so the group stays
// in L2 while the panels go by, and a panel writes its rows in runs of the group's columns: 8
// columns per row and block cost a TLB miss per row at BERT's 30522-column logits.
constexpr int64_t kGroupBytes = int64_t{256} << 10;

// Weight blocks per call for a panel of `rows`: as many as the 16 ymm registers hold beside
// their rows * blocks accumulators, the broadcast and the product, so that a few rows (decode)
// still use each broadcast several times.
constexpr int blocks_per_call(int rows) {
  int blocks = 1;
  while (rows * (blocks + 1) + (blocks + 1) + 2 <= 16) ++blocks;
  return blocks;
}

// One call's activations as int16 in panels of panel_rows consecutive rows (the last may be
// shorter). A panel of `count` rows is [k_pairs][count][2 codes], so a micro-kernel reads the
// pairs of all its rows from one advancing pointer.
struct RowPanels {
  int64_t panel_rows;
  int64_t k_pairs;
  std::unique_ptr<int16_t[]> codes;  // [m][k_pairs][2], reordered as above

  const int16_t* panel(int64_t first_row) const { return codes.get() + first_row * k_pairs * 2; }
};

// One row's codes into its panel: pair p at out[p * pair_stride], an odd k padded with 0. The
// codes are widened a chunk at a time into a buffer, a loop the compiler vectorises, and then
// moved to their places one 32-bit pair at a time.
template <typename Code>
void widen_row(const Code* codes, int64_t k, int64_t pair_stride, int16_t* out) {
  constexpr int64_t kChunk = 64;
  int16_t chunk[kChunk + 1];
  for (int64_t begin = 0; begin < k; begin += kChunk) {
    const int64_t size = std::min(kChunk, k - begin);
    for (int64_t i = 0; i < size; ++i) chunk[i] = codes[begin + i];
    chunk[size] = 0;
    for (int64_t p = 0; p < (size + 1) / 2; ++p) {
      std::memcpy(out + (begin / 2 + p) * pair_stride, chunk + 2 * p, 2 * sizeof(int16_t));
    }
  }
}

RowPanels pack_rows(const ActivationCodes& x, int64_t k_pairs, int threads) {
  // Equal panels (128 rows: nine of 13 and one of 11, not nine of 14 and one of 2), so no
  // micro-kernel call runs with few rows.
  const int64_t panels = (x.m + kMaxPanelRows - 1) / kMaxPanelRows;
  const int64_t panel_rows = (x.m + panels - 1) / panels;
  RowPanels p{panel_rows, k_pairs,
              std::make_unique_for_overwrite<int16_t[]>(static_cast<size_t>(x.m * k_pairs * 2))};
  parallel_for(x.m, threads,
               std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(1, k_pairs)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   const int64_t first = r / panel_rows * panel_rows;
                   const int64_t count = std::min(panel_rows, x.m - first);
                   int16_t* out = p.codes.get() + first * k_pairs * 2 + (r - first) * 2;
                   const uint8_t* row = x.bytes.get() + r * x.k;
                   if (x.is_signed) {
                     widen_row(reinterpret_cast<const int8_t*>(row), x.k, count * 2, out);
                   } else {
                     widen_row(row, x.k, count * 2, out);
                   }
                 }
               });
  return p;
}

__attribute__((target("avx2"))) inline __m256i broadcast_pair(const int16_t* pair) {
  int32_t v;
  std::memcpy(&v, pair, sizeof v);
  return _mm256_set1_epi32(v);
}

// out[r * ldo + j * 8 + c] = sum over k of panel row r times column c of weight block j, for
// r < rows and j < blocks; block j starts at weights + j * block_stride.
template <int rows, int blocks>
__attribute__((target("avx2"))) void micro_kernel(const int16_t* panel, const int8_t* weights,
                                                  int64_t block_stride, int64_t k_pairs,
                                                  int32_t* out, int64_t ldo) {
  __m256i acc[rows][blocks];
#pragma GCC unroll 16
  for (int r = 0; r < rows; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < blocks; ++j) acc[r][j] = _mm256_setzero_si256();
  }
  for (int64_t p = 0; p < k_pairs; ++p, panel += rows * 2, weights += kBlockCols * 2) {
    __m256i w[blocks];
#pragma GCC unroll 16
    for (int j = 0; j < blocks; ++j) {
      w[j] = _mm256_cvtepi8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(weights + j * block_stride)));
    }
#pragma GCC unroll 16
    for (int r = 0; r < rows; ++r) {
      const __m256i x = broadcast_pair(panel + r * 2);
#pragma GCC unroll 16
      for (int j = 0; j < blocks; ++j) {
        acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(w[j], x));
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < rows; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < blocks; ++j) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + r * ldo + j * kBlockCols), acc[r][j]);
    }
  }
}

using MicroKernel = void (*)(const int16_t*, const int8_t*, int64_t, int64_t, int32_t*, int64_t);

// The micro-kernels of a panel height: over blocks_per_call blocks, and over one.
struct PanelKernels {
  MicroKernel wide = nullptr;
  int64_t blocks = 0;
  MicroKernel single = nullptr;
};

template <int... row_counts>
constexpr auto panel_kernels(std::integer_sequence<int, row_counts...>) {
  return std::array<PanelKernels, sizeof...(row_counts) + 1>{
      PanelKernels{},
      PanelKernels{micro_kernel<row_counts + 1, blocks_per_call(row_counts + 1)>,
                   blocks_per_call(row_counts + 1), micro_kernel<row_counts + 1, 1>}...};
}

// kKernels[rows], rows in [1, kMaxPanelRows].
constexpr auto kKernels = panel_kernels(std::make_integer_sequence<int, kMaxPanelRows>{});

// What every panel multiplication of one call shares.
struct Operands {
  const int8_t* weights;  // the packed blocks
  int64_t block_bytes;
  int64_t k_pairs;
  int64_t n;
  int32_t* raw;  // [m, n]
};

// raw rows [row, row + rows) in the columns of weight blocks [first, last).
void multiply_panel(const Operands& o, const int16_t* panel, int64_t row, int64_t rows,
                    int64_t first, int64_t last) {
  const PanelKernels& k = kKernels[static_cast<size_t>(rows)];
  const int64_t full_blocks = std::min(last, o.n / kBlockCols);
  int32_t* out = o.raw + row * o.n;
  int64_t b = first;
  for (; b + k.blocks <= full_blocks; b += k.blocks) {
    k.wide(panel, o.weights + b * o.block_bytes, o.block_bytes, o.k_pairs, out + b * kBlockCols,
           o.n);
  }
  for (; b < full_blocks; ++b) {
    k.single(panel, o.weights + b * o.block_bytes, o.block_bytes, o.k_pairs, out + b * kBlockCols,
             o.n);
  }
  if (b < last) {  // the last block, whose columns past n are padding: through a tile
    int32_t tile[kMaxPanelRows * kBlockCols];
    k.single(panel, o.weights + b * o.block_bytes, o.block_bytes, o.k_pairs, tile, kBlockCols);
    const auto cols = static_cast<size_t>(o.n - b * kBlockCols);
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(out + r * o.n + b * kBlockCols, tile + r * kBlockCols, cols * sizeof(int32_t));
    }
  }
}

}  // namespace

bool Avx2Int8Gemm::supported() {
  return __builtin_cpu_supports("avx2");
}

Avx2Int8Gemm::Avx2Int8Gemm(const int8_t* weight, int64_t n, int64_t k)
    : n_(n), k_pairs_((k + 1) / 2) {
  const int64_t blocks = (n + kBlockCols - 1) / kBlockCols;
  const int64_t block_bytes = k_pairs_ * kBlockCols * 2;
  packed_.assign(static_cast<size_t>(blocks * block_bytes), 0);
  for (int64_t c = 0; c < n; ++c) {
    // Column c's pair p lands at [c / 8][p][c % 8]: every 16 bytes of its block.
    int8_t* out = packed_.data() + c / kBlockCols * block_bytes + c % kBlockCols * 2;
    const int8_t* row = weight + c * k;
    for (int64_t i = 0; i < k; ++i) out[i / 2 * kBlockCols * 2 + i % 2] = row[i];
  }
}

void Avx2Int8Gemm::accumulate(const ActivationCodes& x, int threads, int32_t* raw) const {
  if (x.m == 0) return;
  const RowPanels panels = pack_rows(x, k_pairs_, threads);
  const Operands o{packed_.data(), k_pairs_ * kBlockCols * 2, k_pairs_, n_, raw};
  const int64_t blocks = (n_ + kBlockCols - 1) / kBlockCols;
  // Threads and L2 groups split the columns into strips of the blocks one call covers (several
  // only when one panel holds every row), so that no call is cut into narrower ones.
  const int64_t strip = kKernels[static_cast<size_t>(panels.panel_rows)].blocks;
  const int64_t strips = (blocks + strip - 1) / strip;
  const int64_t group = std::max<int64_t>(1, kGroupBytes / (o.block_bytes * strip));
  // A thread is worth starting for 2^18 multiply-adds.
  const int64_t strip_work = x.m * std::max<int64_t>(1, k_pairs_) * 2 * kBlockCols * strip;
  const int64_t min_strips = std::max<int64_t>(1, (int64_t{1} << 18) / strip_work);
  parallel_for(strips, threads, min_strips, [&](int64_t begin, int64_t end) {
    for (int64_t first = begin; first < end; first += group) {
      const int64_t last = std::min(end, first + group);
      for (int64_t row = 0; row < x.m; row += panels.panel_rows) {
        const int64_t rows = std::min(panels.panel_rows, x.m - row);
        multiply_panel(o, panels.panel(row), row, rows, first * strip,
                       std::min(last * strip, blocks));
      }
    }
  });
}

}  // namespace qtx::cpu
