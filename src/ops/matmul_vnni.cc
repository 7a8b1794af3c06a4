// int8 products of quantized weights (kQ8_0, kQ4_0, kQ4_PC) with AVX-512
// VNNI (vpdpbusd: 64 unsigned × signed byte products summed in groups of four
// into 16 int32 lanes). Only the AVX3_DL target has these kernels; Highway
// 1.0.3 has no quad-byte multiply-add op, so they use x86 intrinsics inside
// the Highway-dispatched function, and every other target reports "not
// handled" so the portable kernels of ops/matmul.cc run instead.
//
// vpdpbusd needs one operand unsigned. Shifting an operand by a constant c
// adds c · Σ(other operand) per block, which is subtracted exactly in int32:
//   kQ4_0, kQ4_PC  nibbles u = w + 8 are the unsigned operand; subtract 8 · Σx.
//   kQ8_0 (GEMV)   activations x + 128 are unsigned; subtract 128 · Σw, taken
//                  with one more vpdpbusd of the weights against 128s.
//   kQ8_0 (GEMM)   packed weights w + 128 are unsigned; subtract 128 · Σx.
// Each block's int32 dot product is therefore exact, as in the reference; only
// the f32 accumulation of the scaled blocks runs in a different order.
//
// kPanels matrices (tensor/weight_panels.h, what loaders make on these CPUs)
// take the panel kernel of ops/matmul_vnni_panels-inl.h for every n. The
// kernels below read kRows matrices (rows not a multiple of 16, or matrices
// built without a loader):
// GEMV (n < GemmMinRows, decode): rows are streamed once, in tiles of
// kRowTile rows × up to kActGroup activation rows, four blocks (128 columns)
// per step, with the next tile prefetched. The activations are rearranged
// once per call (Prepared below) so a step needs no shuffles:
//   q4 step: the 64 packed bytes of four blocks, masked to low nibbles, are
//     columns 0..15 of blocks 0..3 (16 bytes each); shifted, columns 16..31.
//     The activations are laid out the same way, so int32 lane L holds part
//     of block L / 4 for both halves.
//   q8 step: two 64-byte vectors in natural order; lane L of vector v holds
//     part of block 2v + L / 8.
// GEMM (n ≥ GemmMinRows, prefill): a panel of 16 weight rows is repacked as
// [block][column quad][row][4 bytes] (unsigned), so one vpdpbusd multiplies a
// broadcast quad of one activation row with 16 rows at once and every int32
// lane stays in one block for 8 steps; f32 work is then 3 ops per 8 vpdpbusd.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/matmul_internal.h"
#include "ops/simd_config.h"
#include "tensor/weight_panels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/matmul_vnni.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
using matmul_detail::Operands;

#if HWY_TARGET == HWY_AVX3_DL
// Highway 1.0.3's AVX3_DL target string names avxvnni (the VEX form) but not
// avx512vnni, which the 512-bit vpdpbusd needs; every AVX3_DL CPU has it.
#pragma GCC push_options
#pragma GCC target("avx512vnni")

constexpr int64_t kGroupBlocks = 4;      // blocks per GEMV step
constexpr int64_t kPreparedBytes = 256;  // prepared activation bytes per step
constexpr int64_t kRowTile = 4;
constexpr int64_t kActGroup = 4;
// Activation rows from which repacking weight panels for the GEMM pays: the
// GEMV shares each q4 weight vector's nibble unpacking across its activation
// rows and stays faster up to 16 (measured 1.3x at 16 parallel streams);
// for q8_0 the GEMM already wins at 16.
inline int64_t GemmMinRows(WeightFormat f) { return f == WeightFormat::kQ8_0 ? 16 : 32; }
constexpr int64_t kPanelActs = 4;        // activation rows per GEMM register tile

inline bool IsQ8(WeightFormat f) { return f == WeightFormat::kQ8_0; }

// 64 bytes, 64-byte aligned (std::vector<__m512i> would drop the alignment
// of the vector type's attribute).
struct alignas(64) Line {
  uint8_t bytes[64];
};

// Per-thread scratch reused across calls (no allocation per token).
struct Scratch {
  std::vector<Line> prepared;         // GEMV activations
  std::vector<Line> panels;           // GEMM packed weights of two panels
  std::vector<float> panel_scales;    // [2][nb][16]
  std::vector<int32_t> bias;          // GEMM: [n][nb] = -c · Σx
};
Scratch& ThreadScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

inline __mmask64 ByteMask(int64_t bytes) {
  return bytes >= 64 ? ~__mmask64{0} : bytes <= 0 ? 0 : (__mmask64{1} << bytes) - 1;
}

// f32 scales of blocks [4g, 4g + m) of a scale array, in lanes 0..m-1.
inline __m512 BlockScales(const uint16_t* fp16, int64_t m) {
  return _mm512_cvtph_ps(_mm256_castsi128_si256(
      _mm_maskz_loadu_epi16(static_cast<__mmask8>((1u << m) - 1), fp16)));
}
inline __m512 LoadScales(const float* f32, int64_t m) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << m) - 1), f32);
}
// Index vectors repeating lane k of a 4-lane vector over 16 lanes.
inline __m512i QuarterIndex() {  // lane L -> L / 4
  return _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
}
inline __m512i HalfIndex(int first) {  // lane L -> first + L / 8
  return _mm512_add_epi32(_mm512_set1_epi32(first),
                          _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0));
}

// Activation row i rearranged per GEMV step g (four blocks), 256 bytes:
//   q4: [0,64) low halves (columns 0..15) of blocks 0..3, [64,128) high halves,
//       [128,192) int32 lanes −8 · Σ of the lane's activations, [192,256) f32
//       activation scale per lane.
//   q8: [0,128) x + 128 in natural order, [128,256) f32 activation scale per
//       lane of the two vectors.
// Missing blocks of a last partial step are zeros with scale 0.
void Prepare(const QuantizedActivations& xq, int64_t n, WeightFormat format, __m512i* out) {
  const int64_t nb = xq.cols / kQuantBlock;
  const int64_t steps = (nb + kGroupBlocks - 1) / kGroupBlocks;
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t g = 0; g < steps; ++g) {
      const int64_t m = std::min(kGroupBlocks, nb - g * kGroupBlocks);
      const int8_t* x = xq.Row(i) + g * kGroupBlocks * kQuantBlock;
      const __m512i v0 = _mm512_maskz_loadu_epi8(ByteMask(m * 32), x);
      const __m512i v1 = _mm512_maskz_loadu_epi8(ByteMask(m * 32 - 64), x + 64);
      const float* sx = xq.RowScales(i) + g * kGroupBlocks;
      const __m512 scales = LoadScales(sx, m);
      __m512i* o = out + (i * steps + g) * (kPreparedBytes / 64);
      if (IsQ8(format)) {
        const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
        o[0] = _mm512_xor_si512(v0, flip);
        o[1] = _mm512_xor_si512(v1, flip);
        o[2] = _mm512_castps_si512(_mm512_permutexvar_ps(HalfIndex(0), scales));
        o[3] = _mm512_castps_si512(_mm512_permutexvar_ps(HalfIndex(2), scales));
      } else {
        // 128-bit lanes 0, 2 of v0 and v1 are the blocks' low halves.
        const __m512i lo = _mm512_permutex2var_epi64(
            v0, _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0), v1);
        const __m512i hi = _mm512_permutex2var_epi64(
            v0, _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2), v1);
        const __m512i sum = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, lo),
                                                ones, hi);
        o[0] = lo;
        o[1] = hi;
        o[2] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sum, 3));
        o[3] = _mm512_castps_si512(_mm512_permutexvar_ps(QuarterIndex(), scales));
      }
    }
  }
}

// [Σ lanes of a, of b, of c, of d]: in-lane interleaves leave each 128-bit
// block holding partial sums of all four, then the blocks are added — about
// half the work of four separate reductions, which matters for short rows.
inline __m128 SumsOfFour(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  const __m512d ab64 = _mm512_castps_pd(ab), cd64 = _mm512_castps_pd(cd);
  const __m512 s = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(ab64, cd64)),
                                 _mm512_castpd_ps(_mm512_unpackhi_pd(ab64, cd64)));
  const __m256 s256 = _mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1));
  return _mm_add_ps(_mm256_castps256_ps128(s256), _mm256_extractf128_ps(s256, 1));
}

// Bytes of weight rows to have in flight ahead of the loads: at ~20 GB/s per
// core this covers a few hundred nanoseconds of memory latency.
constexpr int64_t kPrefetchAheadBytes = 8192;

// One GEMV step (four blocks) of a tile: R weight rows × I activation rows.
// kFull: all four blocks present (no masks); only a row's last step can be
// partial. kHalf (q8 only): at most two blocks, all in the first 64-byte
// vector, so the second is skipped — LoRA B matrices have rows of rank 64
// and are nothing but such steps. Kept inline so the accumulators stay in
// registers.
template <WeightFormat kFormat, int R, int I, bool kFull, bool kHalf = false>
HWY_INLINE void GemvStep(const uint8_t* const (&row)[R], const uint16_t* const (&scale)[R],
                         const __m512i* const (&x)[I], int64_t g, int64_t m,
                         __m512 (&acc)[R][I]) {
  constexpr bool kQ8 = kFormat == WeightFormat::kQ8_0;
  constexpr int64_t kStepBytes = kQ8 ? 128 : 64;
  const __m512i low_nibbles = _mm512_set1_epi8(0x0f);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int64_t bytes = kQ8 ? m * 32 : m * 16;
  __m512i wa[R], wb[R];  // q4: low/high nibbles; q8: the two vectors
  __m512i neg_sum[R][2];  // q8 only: −128 · Σw per lane
  __m512 sw[R][2];        // weight scale per lane (unused for kQ4_PC)
  for (int r = 0; r < R; ++r) {
    const uint8_t* p = row[r] + g * kStepBytes;
    if constexpr (kQ8) {
      wa[r] = kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(ByteMask(bytes), p);
      // x + 128 against w, minus 128 · Σw, is the exact signed block product.
      neg_sum[r][0] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                       _mm512_dpbusd_epi32(_mm512_setzero_si512(), flip, wa[r]));
      if constexpr (!kHalf) {
        wb[r] = kFull ? _mm512_loadu_si512(p + 64)
                      : _mm512_maskz_loadu_epi8(ByteMask(bytes - 64), p + 64);
        neg_sum[r][1] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                         _mm512_dpbusd_epi32(_mm512_setzero_si512(), flip, wb[r]));
      }
    } else {
      const __m512i v = kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(ByteMask(bytes), p);
      wa[r] = _mm512_and_si512(v, low_nibbles);
      wb[r] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low_nibbles);
    }
    if constexpr (kFormat != WeightFormat::kQ4_PC) {
      const uint16_t* s = scale[r] + g * kGroupBlocks;
      const __m512 f = kFull ? _mm512_cvtph_ps(_mm256_castsi128_si256(
                                   _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s))))
                             : BlockScales(s, m);
      if constexpr (kQ8) {
        sw[r][0] = _mm512_permutexvar_ps(HalfIndex(0), f);
        if constexpr (!kHalf) sw[r][1] = _mm512_permutexvar_ps(HalfIndex(2), f);
      } else {
        sw[r][0] = _mm512_permutexvar_ps(QuarterIndex(), f);
      }
    }
  }
  for (int i = 0; i < I; ++i) {
    const __m512i* xs = x[i] + g * (kPreparedBytes / 64);
    if constexpr (kQ8) {
      const __m512 sx0 = _mm512_castsi512_ps(xs[2]), sx1 = _mm512_castsi512_ps(xs[3]);
      for (int r = 0; r < R; ++r) {
        const __m512i d0 = _mm512_dpbusd_epi32(neg_sum[r][0], xs[0], wa[r]);
        acc[r][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_mul_ps(sw[r][0], sx0), acc[r][i]);
        if constexpr (!kHalf) {
          const __m512i d1 = _mm512_dpbusd_epi32(neg_sum[r][1], xs[1], wb[r]);
          acc[r][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1), _mm512_mul_ps(sw[r][1], sx1), acc[r][i]);
        }
      }
    } else {
      const __m512 sx = _mm512_castsi512_ps(xs[3]);
      for (int r = 0; r < R; ++r) {
        const __m512i d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(xs[2], wa[r], xs[0]), wb[r], xs[1]);
        const __m512 s = kFormat == WeightFormat::kQ4_PC ? sx : _mm512_mul_ps(sw[r][0], sx);
        acc[r][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s, acc[r][i]);
      }
    }
  }
}

// out[r][i] = row r0 + r of W · activation i0 + i, before the kQ4_PC row scale.
// The tile's R rows are contiguous in memory; while they are read, the bytes
// kPrefetchAheadBytes past the tile are prefetched at the rate they are
// consumed, so the rows of later tiles arrive before they are needed.
template <WeightFormat kFormat, int R, int I>
void GemvTile(const WeightMatrix& w, const __m512i* prepared, int64_t r0, int64_t i0,
              float (&out)[R][I]) {
  constexpr bool kQ8 = kFormat == WeightFormat::kQ8_0;
  constexpr int64_t kStepBytes = kQ8 ? 128 : 64;
  const int64_t nb = w.blocks_per_row();
  const int64_t steps = (nb + kGroupBlocks - 1) / kGroupBlocks;
  const int64_t full_steps = nb / kGroupBlocks;
  const int64_t row_bytes = kQ8 ? w.cols : w.cols / 2;
  const auto* base = static_cast<const uint8_t*>(w.data);
  const uint8_t* row[R];
  const uint16_t* scale[R];
  for (int r = 0; r < R; ++r) {
    row[r] = base + (r0 + r) * row_bytes;
    scale[r] = w.block_scales() + (r0 + r) * nb;
  }
  const __m512i* x[I];
  for (int i = 0; i < I; ++i) x[i] = prepared + (i0 + i) * steps * (kPreparedBytes / 64);
  const uint8_t* ahead = row[0] + R * row_bytes + kPrefetchAheadBytes - R * kStepBytes;
  const uint8_t* const end = base + w.rows * row_bytes;
  __m512 acc[R][I];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < I; ++i) acc[r][i] = _mm512_setzero_ps();
  for (int64_t g = 0; g < full_steps; ++g) {
    matmul_detail::PrefetchLines(ahead, R * kStepBytes, end);
    ahead += R * kStepBytes;
    GemvStep<kFormat, R, I, true>(row, scale, x, g, kGroupBlocks, acc);
  }
  // The rest of the tile's share of prefetching: short rows (a LoRA B
  // matrix's 64 columns) have no full step at all.
  matmul_detail::PrefetchLines(ahead, R * (row_bytes - full_steps * kStepBytes), end);
  const int64_t last = nb - full_steps * kGroupBlocks;  // blocks of a partial last step
  if (last > 0) {
    if (kQ8 && last <= 2) {  // kHalf = kQ8: q4 formats never take the half step
      GemvStep<kFormat, R, I, false, /*kHalf=*/kQ8>(row, scale, x, full_steps, last, acc);
    } else {
      GemvStep<kFormat, R, I, false>(row, scale, x, full_steps, last, acc);
    }
  }
  if constexpr (R == 4) {
    for (int i = 0; i < I; ++i) {
      alignas(16) float sums[4];
      _mm_store_ps(sums, SumsOfFour(acc[0][i], acc[1][i], acc[2][i], acc[3][i]));
      for (int r = 0; r < 4; ++r) out[r][i] = sums[r];
    }
  } else {
    for (int r = 0; r < R; ++r)
      for (int i = 0; i < I; ++i) out[r][i] = _mm512_reduce_add_ps(acc[r][i]);
  }
}

template <WeightFormat kFormat, int R, int I>
void GemvStore(const Operands& op, const __m512i* prepared, int64_t r0, int64_t i0) {
  float out[R][I];
  GemvTile<kFormat, R, I>(*op.w, prepared, r0, i0, out);
  const int64_t rows = op.w->rows;
  for (int r = 0; r < R; ++r) {
    const float row_scale = kFormat == WeightFormat::kQ4_PC ? op.w->row_scales()[r0 + r] : 1.0f;
    const float bias = op.bias != nullptr ? op.bias[r0 + r] : 0.0f;
    for (int i = 0; i < I; ++i) op.y[(i0 + i) * rows + r0 + r] = out[r][i] * row_scale + bias;
  }
}

template <WeightFormat kFormat, int R>
void GemvActivations(const Operands& op, const __m512i* prepared, int64_t r0) {
  int64_t i = 0;
  for (; i + kActGroup <= op.n; i += kActGroup) GemvStore<kFormat, R, kActGroup>(op, prepared, r0, i);
  switch (op.n - i) {
    case 3: GemvStore<kFormat, R, 3>(op, prepared, r0, i); break;
    case 2: GemvStore<kFormat, R, 2>(op, prepared, r0, i); break;
    case 1: GemvStore<kFormat, R, 1>(op, prepared, r0, i); break;
    default: break;
  }
}

template <WeightFormat kFormat>
void GemvRows(const Operands& op, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  const int64_t steps = (op.w->blocks_per_row() + kGroupBlocks - 1) / kGroupBlocks;
  auto& prepared = ThreadScratch().prepared;
  prepared.resize(op.n * steps * (kPreparedBytes / 64));
  auto* lines = reinterpret_cast<__m512i*>(prepared.data());
  Prepare(*op.xq, op.n, kFormat, lines);
  int64_t r = row_begin;
  for (; r + kRowTile <= row_end; r += kRowTile) GemvActivations<kFormat, kRowTile>(op, lines, r);
  for (; r < row_end; ++r) GemvActivations<kFormat, 1>(op, lines, r);
}

#include "ops/matmul_vnni_gemm-inl.h"

#include "ops/matmul_vnni_panels-inl.h"

bool VnniRowsKernel(const Operands& op, int64_t row_begin, int64_t row_end) {
  if (op.w->layout == WeightLayout::kPanels) {
    switch (op.w->format) {
      case WeightFormat::kQ8_0: PanelRows<WeightFormat::kQ8_0>(op, row_begin, row_end); return true;
      case WeightFormat::kQ4_0: PanelRows<WeightFormat::kQ4_0>(op, row_begin, row_end); return true;
      case WeightFormat::kQ4_PC: PanelRows<WeightFormat::kQ4_PC>(op, row_begin, row_end); return true;
      default: return false;
    }
  }
  const bool gemm = op.n >= GemmMinRows(op.w->format);
  switch (op.w->format) {
    case WeightFormat::kQ8_0:
      gemm ? GemmRows<WeightFormat::kQ8_0>(op, row_begin, row_end)
           : GemvRows<WeightFormat::kQ8_0>(op, row_begin, row_end);
      return true;
    case WeightFormat::kQ4_0:
      gemm ? GemmRows<WeightFormat::kQ4_0>(op, row_begin, row_end)
           : GemvRows<WeightFormat::kQ4_0>(op, row_begin, row_end);
      return true;
    case WeightFormat::kQ4_PC:
      gemm ? GemmRows<WeightFormat::kQ4_PC>(op, row_begin, row_end)
           : GemvRows<WeightFormat::kQ4_PC>(op, row_begin, row_end);
      return true;
    default:
      return false;
  }
}

bool VnniHasPanelKernels() { return true; }

#pragma GCC pop_options

#else  // no VNNI kernel on this target

bool VnniRowsKernel(const Operands&, int64_t, int64_t) { return false; }
bool VnniHasPanelKernels() { return false; }

#endif  // HWY_TARGET == HWY_AVX3_DL

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason::matmul_detail {

HWY_EXPORT(VnniRowsKernel);
HWY_EXPORT(VnniHasPanelKernels);

bool VnniPanelKernels() { return HWY_DYNAMIC_DISPATCH(VnniHasPanelKernels)(); }

bool VnniMatMulRows(const Operands& op, int64_t row_begin, int64_t row_end) {
  return HWY_DYNAMIC_DISPATCH(VnniRowsKernel)(op, row_begin, row_end);
}

}  // namespace edgereason::matmul_detail
#endif  // HWY_ONCE
