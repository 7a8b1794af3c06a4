// Highway kernels for MatMul and DotF32, compiled once per SIMD target (this
// file includes itself through hwy/foreach_target.h) and dispatched at run
// time.
//
// Structure: output rows are processed in tiles of kRowTile rows; within a
// tile, activation rows in groups of kActGroup, so each weight vector loaded
// is multiplied into kActGroup accumulators. Activation rows are taken in
// chunks sized to stay in L2, so for prefill the weight tile is re-read from
// cache, not memory, for every chunk.
#include "ops/matmul.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <cassert>
#include <memory>
#include <vector>

#include "ops/matmul_internal.h"
#include "ops/matmul_reference.h"
#include "tensor/weight_panels.h"
#include "ops/quantized_activations.h"
#include "ops/simd_config.h"


#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/matmul.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/cache_control.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using matmul_detail::Operands;

constexpr int64_t kRowTile = 4;
// Accumulators live in registers: 4 × 4 fit the 32 registers of AVX-512 and
// NEON; the 16-register x86 targets use 4 × 2.
#if HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3
constexpr int64_t kActGroup = 2;
#else
constexpr int64_t kActGroup = 4;
#endif
// How many bytes past the current tile the weight rows are prefetched.
constexpr int64_t kPrefetchBytes = 8192;
// Activation bytes per chunk: about a quarter of a 1 MiB L2.
constexpr int64_t kActChunkBytes = 256 * 1024;

// ------------------------------------------------------------ f32 and bf16

// Tile kernel for weights stored as f32 or bf16 (WeightT = uint16_t).
template <typename WeightT>
struct FloatKernel {
  const WeightT* w;  // [rows, cols]
  const float* x;    // [n, cols]
  int64_t rows;
  int64_t cols;

  void Prepare(int64_t /*r0*/, int64_t /*count*/) {}

  static float Scalar(float v) { return v; }
  static float Scalar(uint16_t v) { return BF16ToF32(v); }

  template <class D>
  static hn::Vec<D> LoadWeights(D d, const WeightT* p) {
    if constexpr (sizeof(WeightT) == 4) {
      return hn::LoadU(d, p);
    } else {
      const hn::Rebind<hwy::bfloat16_t, D> dbf;
      return hn::PromoteTo(d, hn::LoadU(dbf, reinterpret_cast<const hwy::bfloat16_t*>(p)));
    }
  }

  // out[r][i] = W[r0 + r] · x[i0 + i].
  template <int R, int I>
  void Tile(int64_t r0, int64_t i0, float (&out)[R][I]) const {
    const hn::ScalableTag<float> d;
    const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
    using V = hn::Vec<decltype(d)>;
    V acc[R][I];
    for (int r = 0; r < R; ++r)
      for (int i = 0; i < I; ++i) acc[r][i] = hn::Zero(d);
    const WeightT* wr = w + r0 * cols;
    const float* xi = x + i0 * cols;
    // The tile's R rows are contiguous: while they are read, the bytes
    // kPrefetchBytes past the tile are prefetched at the rate they are
    // consumed, so later tiles' rows (decode reads every weight once) arrive
    // from memory before they are needed.
    const int64_t step_bytes = R * lanes * static_cast<int64_t>(sizeof(WeightT));
    const auto* ahead = reinterpret_cast<const uint8_t*>(wr + R * cols) + kPrefetchBytes - step_bytes;
    const auto* const end = reinterpret_cast<const uint8_t*>(w + rows * cols);
    int64_t k = 0;
    for (; k + lanes <= cols; k += lanes) {
      matmul_detail::PrefetchLines(ahead, step_bytes, end);
      ahead += step_bytes;
      V xv[I];
      for (int i = 0; i < I; ++i) xv[i] = hn::LoadU(d, xi + i * cols + k);
      for (int r = 0; r < R; ++r) {
        const V wv = LoadWeights(d, wr + r * cols + k);
        for (int i = 0; i < I; ++i) acc[r][i] = hn::MulAdd(wv, xv[i], acc[r][i]);
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int i = 0; i < I; ++i) {
        float sum = hn::GetLane(hn::SumOfLanes(d, acc[r][i]));
        for (int64_t t = k; t < cols; ++t) sum += Scalar(wr[r * cols + t]) * xi[i * cols + t];
        out[r][i] = sum;
      }
    }
  }
};

// ------------------------------------------------------------ quantized

// Vectors of int16 covering at most one block of 32, so a block is a whole
// number of vectors on every target.
using D16 = hn::CappedTag<int16_t, kQuantBlock>;
constexpr int64_t kLanes16 = static_cast<int64_t>(hn::MaxLanes(D16()));
constexpr int64_t kChunksPerBlock = kQuantBlock / kLanes16;

// Columns [c·L, c·L + L) of one 32-column kQ4_0/kQ4_PC block (16 packed bytes
// at `packed`) as int16 values u − 8.
template <class D>
hn::Vec<D> LoadNibbleChunk(D d16, const uint8_t* packed, int64_t c) {
  const hn::Vec<D> eight = hn::Set(d16, 8);
#if HWY_TARGET != HWY_SCALAR  // no Combine there; it has one lane anyway
  if constexpr (hn::MaxLanes(D()) >= 32) {
    // One vector is the whole block: low nibbles are columns 0..15, high 16..31.
    const hn::Half<D> dh;
    const hn::Rebind<uint8_t, decltype(dh)> d8;
    const auto bytes = hn::LoadU(d8, packed);
    const auto low = hn::And(bytes, hn::Set(d8, 0x0f));
    const auto high = hn::ShiftRight<4>(bytes);
    return hn::Sub(hn::Combine(d16, hn::PromoteTo(dh, high), hn::PromoteTo(dh, low)), eight);
  } else
#endif
  {
    const hn::Rebind<uint8_t, D> d8;
    const int64_t first = c * static_cast<int64_t>(hn::MaxLanes(D()));
    const auto bytes = hn::LoadU(d8, packed + first % 16);
    const auto nibbles = first < 16 ? hn::And(bytes, hn::Set(d8, 0x0f)) : hn::ShiftRight<4>(bytes);
    return hn::Sub(hn::BitCast(d16, hn::PromoteTo(hn::Rebind<uint16_t, D>(), nibbles)), eight);
  }
}

template <WeightFormat kFormat>
struct QuantKernel {
  const WeightMatrix* w;
  const QuantizedActivations* xq;
  int64_t nb;                        // blocks per row
  std::vector<float> weight_scales;  // [kRowTile, nb] f32 block scales of the current tile

  QuantKernel(const WeightMatrix* w_in, const QuantizedActivations* xq_in)
      : w(w_in), xq(xq_in), nb(w_in->blocks_per_row()) {
    if constexpr (kFormat != WeightFormat::kQ4_PC) weight_scales.resize(kRowTile * nb);
  }

  // Widens the fp16 block scales of rows [r0, r0 + count) once per tile.
  void Prepare(int64_t r0, int64_t count) {
    if constexpr (kFormat != WeightFormat::kQ4_PC) {
      const hn::ScalableTag<float> df;
      const hn::Rebind<hwy::float16_t, decltype(df)> dh;
      const int64_t lanes = static_cast<int64_t>(hn::Lanes(df));
      const auto* src = reinterpret_cast<const hwy::float16_t*>(w->block_scales() + r0 * nb);
      const int64_t total = count * nb;
      int64_t k = 0;
      for (; k + lanes <= total; k += lanes) {
        hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, src + k)), df, weight_scales.data() + k);
      }
      for (; k < total; ++k) weight_scales[k] = F16ToF32(w->block_scales()[r0 * nb + k]);
    }
  }

  hn::Vec<D16> LoadWeightChunk(int64_t row, int64_t b, int64_t c) const {
    const D16 d16;
    if constexpr (kFormat == WeightFormat::kQ8_0) {
      const hn::Rebind<int8_t, D16> d8;
      return hn::PromoteTo(d16, hn::LoadU(d8, w->q8() + row * w->cols + b * kQuantBlock +
                                                  c * kLanes16));
    } else {
      return LoadNibbleChunk(d16, w->q4() + row * (w->cols / 2) + b * (kQuantBlock / 2), c);
    }
  }

  template <int R, int I>
  void Tile(int64_t r0, int64_t i0, float (&out)[R][I]) const {
    const D16 d16;
    const hn::Repartition<int32_t, D16> d32;
    const hn::Repartition<float, D16> df;
    using VF = hn::Vec<decltype(df)>;
    using V16 = hn::Vec<D16>;
    VF acc[R][I];
    for (int r = 0; r < R; ++r)
      for (int i = 0; i < I; ++i) acc[r][i] = hn::Zero(df);
    for (int64_t b = 0; b < nb; ++b) {
      V16 wv[R][kChunksPerBlock];
      for (int r = 0; r < R; ++r)
        for (int64_t c = 0; c < kChunksPerBlock; ++c) wv[r][c] = LoadWeightChunk(r0 + r, b, c);
      for (int i = 0; i < I; ++i) {
        const int8_t* xb = xq->Row(i0 + i) + b * kQuantBlock;
        const hn::Rebind<int8_t, D16> d8;
        V16 xv[kChunksPerBlock];
        for (int64_t c = 0; c < kChunksPerBlock; ++c) {
          xv[c] = hn::PromoteTo(d16, hn::LoadU(d8, xb + c * kLanes16));
        }
        const float x_scale = xq->scales[(i0 + i) * nb + b];
        for (int r = 0; r < R; ++r) {
          // Exact int32 partial sums of the block's 32 products.
          auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
          for (int64_t c = 0; c < kChunksPerBlock; ++c) {
            sum0 = hn::ReorderWidenMulAccumulate(d32, wv[r][c], xv[c], sum0, sum1);
          }
          const auto dot = hn::RearrangeToOddPlusEven(sum0, sum1);
          const float scale = kFormat == WeightFormat::kQ4_PC
                                  ? x_scale
                                  : x_scale * weight_scales[r * nb + b];
          acc[r][i] = hn::MulAdd(hn::ConvertTo(df, dot), hn::Set(df, scale), acc[r][i]);
        }
      }
    }
    for (int r = 0; r < R; ++r) {
      const float row_scale = kFormat == WeightFormat::kQ4_PC ? w->row_scales()[r0 + r] : 1.0f;
      for (int i = 0; i < I; ++i) out[r][i] = hn::GetLane(hn::SumOfLanes(df, acc[r][i])) * row_scale;
    }
  }
};

// ------------------------------------------------------------ driver

template <int64_t R, int64_t I, class Kernel>
void TileAndStore(const Kernel& kernel, const Operands& op, int64_t r0, int64_t i0) {
  float out[R][I];
  kernel.template Tile<R, I>(r0, i0, out);
  const int64_t rows = op.w->rows;
  for (int64_t r = 0; r < R; ++r) {
    const float bias = op.bias != nullptr ? op.bias[r0 + r] : 0.0f;
    for (int64_t i = 0; i < I; ++i) op.y[(i0 + i) * rows + r0 + r] = out[r][i] + bias;
  }
}

template <int64_t R, class Kernel>
void ActivationGroups(const Kernel& kernel, const Operands& op, int64_t r0, int64_t i_begin,
                      int64_t i_end) {
  int64_t i = i_begin;
  for (; i + kActGroup <= i_end; i += kActGroup) TileAndStore<R, kActGroup>(kernel, op, r0, i);
  switch (i_end - i) {
    case 3: TileAndStore<R, 3>(kernel, op, r0, i); break;
    case 2: TileAndStore<R, 2>(kernel, op, r0, i); break;
    case 1: TileAndStore<R, 1>(kernel, op, r0, i); break;
    default: break;
  }
}

template <class Kernel>
void RunRows(Kernel& kernel, const Operands& op, int64_t row_begin, int64_t row_end,
             int64_t activation_row_bytes) {
  const int64_t chunk = std::max<int64_t>(
      kActGroup, kActChunkBytes / std::max<int64_t>(1, activation_row_bytes) / kActGroup * kActGroup);
  for (int64_t i0 = 0; i0 < op.n; i0 += chunk) {
    const int64_t i1 = std::min(op.n, i0 + chunk);
    int64_t r = row_begin;
    for (; r + kRowTile <= row_end; r += kRowTile) {
      kernel.Prepare(r, kRowTile);
      ActivationGroups<kRowTile>(kernel, op, r, i0, i1);
    }
    for (; r < row_end; ++r) {
      kernel.Prepare(r, 1);
      ActivationGroups<1>(kernel, op, r, i0, i1);
    }
  }
}

// y[:, row_begin:row_end] of one MatMul call.
void MatMulRows(const Operands& op, int64_t row_begin, int64_t row_end) {
  const WeightMatrix& w = *op.w;
  switch (w.format) {
    case WeightFormat::kF32: {
      FloatKernel<float> k{w.f32(), op.x, w.rows, w.cols};
      return RunRows(k, op, row_begin, row_end, w.cols * 4);
    }
    case WeightFormat::kBF16: {
      FloatKernel<uint16_t> k{w.bf16(), op.x, w.rows, w.cols};
      return RunRows(k, op, row_begin, row_end, w.cols * 4);
    }
    case WeightFormat::kQ8_0: {
      QuantKernel<WeightFormat::kQ8_0> k(&w, op.xq);
      return RunRows(k, op, row_begin, row_end, w.cols * 2);
    }
    case WeightFormat::kQ4_0: {
      QuantKernel<WeightFormat::kQ4_0> k(&w, op.xq);
      return RunRows(k, op, row_begin, row_end, w.cols * 2);
    }
    case WeightFormat::kQ4_PC: {
      QuantKernel<WeightFormat::kQ4_PC> k(&w, op.xq);
      return RunRows(k, op, row_begin, row_end, w.cols * 2);
    }
  }
}

float DotF32Kernel(const float* a, const float* b, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    sum0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), sum0);
    sum1 = hn::MulAdd(hn::LoadU(d, a + i + lanes), hn::LoadU(d, b + i + lanes), sum1);
  }
  for (; i + lanes <= n; i += lanes) sum0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), sum0);
  float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(sum0, sum1)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(MatMulRows);
HWY_EXPORT(DotF32Kernel);

float DotF32(const float* a, const float* b, int64_t n) {
  return HWY_DYNAMIC_DISPATCH(DotF32Kernel)(a, b, n);
}

namespace {

// A kPanels matrix on a target without the VNNI panel kernels (Model::Load
// packs only where they run, so only tests that narrow the dispatched
// targets get here): the scalar reference, row by row.
void PanelRowsReference(const matmul_detail::Operands& op, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float bias = op.bias != nullptr ? op.bias[r] : 0.0f;
    for (int64_t i = 0; i < op.n; ++i) {
      op.y[i * op.w->rows + r] = QuantizedRowDotReference(*op.w, r, *op.xq, i) + bias;
    }
  }
}

// Waits until `ready()`: for work another thread is doing right now (its
// chunk was claimed earlier, so it is running, not waiting on us). Spins
// briefly, then yields the core in case that thread shares it.
template <class Ready>
void SpinUntil(Ready ready) {
  for (int spins = 0; !ready(); ++spins) {
    if (spins >= 256) std::this_thread::yield();
  }
}

}  // namespace

void MatMulBatch(std::span<const MatMulJob> jobs, ThreadPool& pool) {
  // Reused across calls: a prefill call's activations are megabytes, which
  // would otherwise be freshly faulted in on every call.
  static thread_local std::vector<std::unique_ptr<QuantizedActivations>> quantized;
  std::vector<matmul_detail::Operands> ops;
  std::vector<int64_t> first_row;  // each op's rows in the pass's row space
  // A job that reads an earlier job's output: the op index it waits for
  // (-1: none); its input is quantized once that op is done, by the first
  // thread to get there (quantize_state: 0 not started, 1 running, 2 done).
  std::vector<int64_t> waits_for;
  std::vector<QuantizedActivations*> quantized_later;  // per op: filled during the pass, or null
  std::vector<int64_t> op_of_job(jobs.size(), -1);
  ops.reserve(jobs.size());
  first_row.reserve(jobs.size() + 1);
  size_t used = 0;
  int64_t rows = 0, work = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const MatMulJob& job = jobs[j];
    const WeightMatrix& w = *job.w;
    if (job.n <= 0 || w.rows <= 0) continue;
    assert(job.after < static_cast<int>(j));
    const int64_t dependency = job.after >= 0 ? op_of_job[job.after] : -1;
    const QuantizedActivations* xq = nullptr;
    QuantizedActivations* later = nullptr;
    if (IsQuantized(w.format)) {
      assert(w.cols % kQuantBlock == 0);
      for (size_t k = 0; k < ops.size() && dependency < 0; ++k) {
        const auto& op = ops[k];
        if (op.xq != nullptr && waits_for[k] < 0 && op.x == job.x && op.n == job.n &&
            op.xq->cols == w.cols) {
          xq = op.xq;
        }
      }
      if (xq == nullptr) {
        if (used == quantized.size()) quantized.push_back(std::make_unique<QuantizedActivations>());
        QuantizedActivations* out = quantized[used++].get();
        ResizeQuantizedActivations(job.n, w.cols, out);
        if (dependency >= 0) {
          later = out;  // quantized during the pass, once its input exists
        } else if (job.n >= 64) {
          pool.ParallelFor(job.n, 8, [&](int64_t begin, int64_t end) {
            QuantizeActivationRows(job.x, begin, end, out);
          });
        } else {
          QuantizeActivationRows(job.x, 0, job.n, out);
        }
        xq = out;
      }
    }
    op_of_job[j] = static_cast<int64_t>(ops.size());
    ops.push_back({job.x, xq, job.n, job.w, job.bias, job.y});
    waits_for.push_back(dependency);
    quantized_later.push_back(later);
    first_row.push_back(rows);
    // Each op starts on a multiple of the grain, so a thread's share of one
    // op never splits a packed 16-row GEMM panel.
    rows += (w.rows + matmul_detail::kRowGrain - 1) / matmul_detail::kRowGrain * matmul_detail::kRowGrain;
    work += job.n * w.rows * w.cols;
  }
  if (ops.empty()) return;
  first_row.push_back(rows);
  std::vector<std::atomic<int64_t>> rows_done(ops.size());
  std::vector<std::atomic<int>> quantize_state(ops.size());
  // Makes op k's input ready: waits for the op it reads, then quantizes.
  auto await_input = [&](size_t k) {
    const int64_t dependency = waits_for[k];
    if (dependency < 0) return;
    const int64_t needed = ops[dependency].w->rows;
    SpinUntil([&] { return rows_done[dependency].load(std::memory_order_acquire) >= needed; });
    if (quantized_later[k] == nullptr) return;  // f32/bf16 weights read x directly
    int expected = 0;
    if (quantize_state[k].compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      QuantizeActivationRows(ops[k].x, 0, ops[k].n, quantized_later[k]);
      quantize_state[k].store(2, std::memory_order_release);
    } else {
      SpinUntil([&] { return quantize_state[k].load(std::memory_order_acquire) == 2; });
    }
  };
  // Rows [begin, end) of the pass's row space: the overlapping part of each op.
  auto run = [&](int64_t begin, int64_t end) {
    for (size_t k = 0; k < ops.size(); ++k) {
      const int64_t lo = std::max(begin, first_row[k]) - first_row[k];
      const int64_t hi = std::min({end, first_row[k + 1], first_row[k] + ops[k].w->rows}) - first_row[k];
      if (lo >= hi) continue;
      await_input(k);
      const bool vnni = IsQuantized(ops[k].w->format) && matmul_detail::VnniMatMulRows(ops[k], lo, hi);
      if (!vnni) {
        if (ops[k].w->layout == WeightLayout::kPanels) {
          PanelRowsReference(ops[k], lo, hi);
        } else {
          HWY_DYNAMIC_DISPATCH(MatMulRows)(ops[k], lo, hi);
        }
      }
      rows_done[k].fetch_add(hi - lo, std::memory_order_acq_rel);
    }
  };
  // Below ~64K multiply-adds (a few microseconds) waking the other threads
  // costs more than it saves, and far more when the machine is oversubscribed.
  constexpr int64_t kMinParallelWork = int64_t{1} << 16;
  if (work < kMinParallelWork) {
    run(0, rows);
    return;
  }
  pool.ParallelFor(rows, matmul_detail::kRowGrain, run);
}

WeightLayout PreferredWeightLayout(const WeightMatrix& w) {
  if (w.layout == WeightLayout::kPanels) return WeightLayout::kPanels;
  return CanPackPanels(w) && matmul_detail::VnniPanelKernels() ? WeightLayout::kPanels
                                                               : WeightLayout::kRows;
}

WeightMatrix InPreferredLayout(WeightMatrix w) {
  if (w.layout == WeightLayout::kRows && PreferredWeightLayout(w) == WeightLayout::kPanels) {
    return PackPanels(w);
  }
  return w;
}

void MatMul(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y,
            ThreadPool& pool) {
  const MatMulJob job{x, n, &w, bias, y};
  MatMulBatch({&job, 1}, pool);
}

}  // namespace edgereason
#endif  // HWY_ONCE
