#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "ops/simd_config.h"
#include "tensor/dtype.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/cache_control.h"
#include "hwy/contrib/math/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t kKeyTile = 64;
// Heads whose weighted value sums share each loaded value vector: 2 heads ×
// 4 vectors of accumulators fit 16 registers (4 heads measured no faster on
// AVX-512).
constexpr int64_t kHeadTile = 2;
// Query heads of one KV group handled together (Qwen2.5-0.5B has 7 per group;
// larger groups are split). Their score accumulators live in registers.
constexpr int64_t kMaxHeads = 8;

// The stored type of each KvElement and how its vectors become f32.
template <KvElement kE>
struct KvStored;
template <>
struct KvStored<KvElement::kF32> {
  using T = float;
};
template <>
struct KvStored<KvElement::kF16> {
  using T = hwy::float16_t;
};
template <>
struct KvStored<KvElement::kBF16> {
  using T = hwy::bfloat16_t;
};
template <>
struct KvStored<KvElement::kInt8> {
  using T = int8_t;
};

// lanes(d) stored elements at p as f32 (int8: before its scale).
template <KvElement kE, class D>
HWY_INLINE hn::Vec<D> LoadF32(D d, const typename KvStored<kE>::T* p) {
  if constexpr (kE == KvElement::kF32) {
    return hn::LoadU(d, p);
  } else if constexpr (kE == KvElement::kInt8) {
    const hn::Rebind<int32_t, D> di;
    return hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(hn::Rebind<int8_t, D>(), p)));
  } else {
    return hn::PromoteTo(d, hn::LoadU(hn::Rebind<typename KvStored<kE>::T, D>(), p));
  }
}

template <KvElement kE>
HWY_INLINE float ScalarF32(const typename KvStored<kE>::T* p) {
  if constexpr (kE == KvElement::kF32 || kE == KvElement::kInt8) {
    return static_cast<float>(*p);
  } else if constexpr (kE == KvElement::kF16) {
    return F16ToF32(p->bits);
  } else {
    return BF16ToF32(p->bits);
  }
}

// dots[h] = Σ lanes of acc[h]. Four vectors at a time: two rounds of
// in-block interleaves leave each 128-bit block holding partial sums of all
// four, and one cross-block sum finishes them, about a third of the work of
// four full horizontal reductions.
template <int64_t N, class D>
HWY_INLINE void SumsOfLanes(D d, const hn::Vec<D> (&acc)[N], float* dots) {
#if HWY_TARGET != HWY_SCALAR
  using V = hn::Vec<D>;
  constexpr size_t kLanes = hn::MaxLanes(D());
  if constexpr (kLanes >= 4 && kLanes <= 16) {
    const hn::Repartition<uint64_t, D> d64;
    for (int64_t h = 0; h < N; h += 4) {
      const V a = acc[h];
      const V b = h + 1 < N ? acc[h + 1] : hn::Zero(d);
      const V c = h + 2 < N ? acc[h + 2] : hn::Zero(d);
      const V e = h + 3 < N ? acc[h + 3] : hn::Zero(d);
      // Per block: [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, e.
      const auto ab = hn::BitCast(d64, hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b)));
      const auto ce = hn::BitCast(d64, hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e)));
      // Per block: [Σa, Σb, Σc, Σe] over the block's four lanes.
      V sum = hn::Add(hn::BitCast(d, hn::InterleaveLower(d64, ab, ce)),
                      hn::BitCast(d, hn::InterleaveUpper(d64, ab, ce)));
      if constexpr (kLanes >= 8) sum = hn::Add(sum, hn::ConcatLowerUpper(d, sum, sum));
      if constexpr (kLanes >= 16) sum = hn::Add(sum, hn::SwapAdjacentBlocks(sum));
      HWY_ALIGN float lanes[kLanes];
      hn::Store(sum, d, lanes);
      for (int64_t k = 0; k < 4 && h + k < N; ++k) dots[h + k] = lanes[k];
    }
    return;
  }
#endif
  for (int64_t h = 0; h < N; ++h) dots[h] = hn::GetLane(hn::SumOfLanes(d, acc[h]));
}

// For kHeads heads g: out_g[c0, c0 + kVectors·lanes) = out_g · correction_g
// + Σ_p w_g[p] · v_p over the tile's value rows. Each value vector is loaded
// (and widened) once for all kHeads heads, and the kHeads × kVectors output
// vectors are independent accumulators in registers.
template <KvElement kE, int64_t kHeads, int64_t kVectors, class D>
HWY_INLINE void WeightedValues(D d, const typename KvStored<kE>::T* const* rows,
                               const float* const (&w)[kHeads], const float (&correction)[kHeads],
                               int64_t tile, int64_t c0, float* const (&out)[kHeads]) {
  using V = hn::Vec<D>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  V o[kHeads][kVectors];
  for (int64_t g = 0; g < kHeads; ++g) {
    const V vc = hn::Set(d, correction[g]);
    for (int64_t j = 0; j < kVectors; ++j) o[g][j] = hn::Mul(hn::LoadU(d, out[g] + c0 + j * lanes), vc);
  }
  for (int64_t p = 0; p < tile; ++p) {
    V v[kVectors];
    for (int64_t j = 0; j < kVectors; ++j) v[j] = LoadF32<kE>(d, rows[p] + c0 + j * lanes);
    for (int64_t g = 0; g < kHeads; ++g) {
      const V vw = hn::Set(d, w[g][p]);
      for (int64_t j = 0; j < kVectors; ++j) o[g][j] = hn::MulAdd(vw, v[j], o[g][j]);
    }
  }
  for (int64_t g = 0; g < kHeads; ++g) {
    for (int64_t j = 0; j < kVectors; ++j) hn::StoreU(o[g][j], d, out[g] + c0 + j * lanes);
  }
}

// WeightedValues for heads [h, h + kHeads) of a group over a whole head row
// (scalar tail past the vector part included).
template <KvElement kE, int64_t kHeads, class D>
HWY_INLINE void WeightedValueRows(D d, const typename KvStored<kE>::T* const* rows,
                                  const float (*weights)[kKeyTile], const float* corrections,
                                  int64_t h, int64_t tile, int64_t hd, float* head_out) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = hd / lanes * lanes;
  const float* w[kHeads];
  float correction[kHeads];
  float* out[kHeads];
  for (int64_t g = 0; g < kHeads; ++g) {
    w[g] = weights[h + g];
    correction[g] = corrections[h + g];
    out[g] = head_out + (h + g) * hd;
  }
  // Four vectors of one head row per pass (Qwen2.5's 64 dims on AVX-512).
  constexpr int64_t kChunk = 4;
  int64_t c0 = 0;
  for (; c0 + kChunk * lanes <= full; c0 += kChunk * lanes) {
    WeightedValues<kE, kHeads, kChunk>(d, rows, w, correction, tile, c0, out);
  }
  for (; c0 < full; c0 += lanes) WeightedValues<kE, kHeads, 1>(d, rows, w, correction, tile, c0, out);
  for (int64_t g = 0; g < kHeads; ++g) {
    for (int64_t c = full; c < hd; ++c) {
      float o = out[g][c] * correction[g];
      for (int64_t p = 0; p < tile; ++p) o += w[g][p] * ScalarF32<kE>(rows[p] + c);
      out[g][c] = o;
    }
  }
}

// The attention of the query heads [h0, h0 + count) of KV head `kv_head`
// over the whole span, so each key and value row slice is read from memory
// once for all of them (it stays in L1 while every head of the group uses it).
//
// Per tile of kKeyTile positions: scores of every head (one pass over the
// keys), then per head the online-softmax update (running max and sum; the
// head's output is rescaled when the max grows) and the weighted sum of the
// tile's values, which stay in L1 while the heads take turns. int8 scales
// are applied to the score (keys) and to the softmax weight (values), so the
// element loop only widens.
template <KvElement kE, int64_t count>
void AttendGroup(const float* q, const KvSpan& kv, int64_t num_kv_heads, int64_t kv_head,
                 int64_t hd, int64_t h0, float scale, float* out) {
  using T = typename KvStored<kE>::T;
  constexpr bool kScaled = kE == KvElement::kInt8;
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = hd / lanes * lanes;  // vector part of a head's row
  float scores[count][kKeyTile];
  float value_scale[kKeyTile];
  float running_max[count], running_sum[count];
  for (int64_t h = 0; h < count; ++h) {
    running_max[h] = -INFINITY;
    running_sum[h] = 0.0f;
    std::fill(out + (h0 + h) * hd, out + (h0 + h + 1) * hd, 0.0f);
  }
  // Row slices of this tile and the next: the cache's blocks are scattered
  // and each row slice is only part of a row, which the hardware prefetchers
  // follow poorly, so the next tile's slices are prefetched while this one
  // is computed.
  const T* rows[2][2][kKeyTile];  // [tile parity][key, value][position]
  const auto fill_rows = [&](int64_t t0, const T* (&k)[kKeyTile], const T* (&v)[kKeyTile]) {
    const int64_t tile = std::min(kKeyTile, kv.length - t0);
    for (int64_t p = 0; p < tile; ++p) {
      const int64_t pos = t0 + p;
      const int64_t within = (kv_head * kv.block_size + pos % kv.block_size) * hd;
      k[p] = static_cast<const T*>(kv.key_blocks[pos / kv.block_size]) + within;
      v[p] = static_cast<const T*>(kv.value_blocks[pos / kv.block_size]) + within;
    }
  };
  // int8: the f32 scale of position pos's key or value of this KV head.
  const auto scale_of = [&](const float* const* blocks, int64_t pos) {
    return blocks[pos / kv.block_size][(pos % kv.block_size) * num_kv_heads + kv_head];
  };
  constexpr int64_t kLineElements = 64 / static_cast<int64_t>(sizeof(T));
  fill_rows(0, rows[0][0], rows[0][1]);
  for (int64_t t0 = 0, parity = 0; t0 < kv.length; t0 += kKeyTile, parity ^= 1) {
    const int64_t tile = std::min(kKeyTile, kv.length - t0);
    const T* const* row_k = rows[parity][0];
    const T* const* row_v = rows[parity][1];
    const int64_t next_t0 = t0 + kKeyTile;
    const int64_t next_tile = next_t0 < kv.length ? std::min(kKeyTile, kv.length - next_t0) : 0;
    if (next_tile > 0) fill_rows(next_t0, rows[parity ^ 1][0], rows[parity ^ 1][1]);
    // Scores: each key slice is loaded once per vector and used by all heads.
    for (int64_t p = 0; p < tile; ++p) {
      if (p < next_tile) {
        for (int64_t c = 0; c < hd; c += kLineElements) {
          hwy::Prefetch(rows[parity ^ 1][0][p] + c);
          hwy::Prefetch(rows[parity ^ 1][1][p] + c);
        }
      }
      const T* k = row_k[p];
      V acc[count];
      for (int64_t h = 0; h < count; ++h) acc[h] = hn::Zero(d);
      for (int64_t c = 0; c < full; c += lanes) {
        const V kc = LoadF32<kE>(d, k + c);
        for (int64_t h = 0; h < count; ++h) {
          acc[h] = hn::MulAdd(hn::LoadU(d, q + (h0 + h) * hd + c), kc, acc[h]);
        }
      }
      const float key_scale = kScaled ? scale_of(kv.key_scale_blocks, t0 + p) * scale : scale;
      float dots[count];
      SumsOfLanes<count>(d, acc, dots);
      for (int64_t h = 0; h < count; ++h) {
        float dot = dots[h];
        for (int64_t c = full; c < hd; ++c) dot += q[(h0 + h) * hd + c] * ScalarF32<kE>(k + c);
        scores[h][p] = dot * key_scale;
      }
      if constexpr (kScaled) value_scale[p] = scale_of(kv.value_scale_blocks, t0 + p);
    }
    // Online-softmax update per head: scores[h] become the tile's weights
    // (int8 value scales folded in), the head's output is to be rescaled by
    // correction[h].
    float correction[count];
    for (int64_t h = 0; h < count; ++h) {
      float* w = scores[h];
      int64_t p = 0;
      V vmax = hn::Set(d, -INFINITY);
      for (; p + lanes <= tile; p += lanes) vmax = hn::Max(vmax, hn::LoadU(d, w + p));
      float tile_max = hn::GetLane(hn::MaxOfLanes(d, vmax));
      for (; p < tile; ++p) tile_max = std::max(tile_max, w[p]);
      const float new_max = std::max(running_max[h], tile_max);
      // exp(-inf) = 0 on the first tile, when the output and sum are still 0.
      correction[h] = std::exp(running_max[h] - new_max);
      running_max[h] = new_max;
      vmax = hn::Set(d, new_max);
      auto vsum = hn::Zero(d);
      for (p = 0; p + lanes <= tile; p += lanes) {
        const V e = hn::Exp(d, hn::Sub(hn::LoadU(d, w + p), vmax));
        vsum = hn::Add(vsum, e);
        hn::StoreU(kScaled ? hn::Mul(e, hn::LoadU(d, value_scale + p)) : e, d, w + p);
      }
      float sum = hn::GetLane(hn::SumOfLanes(d, vsum));
      for (; p < tile; ++p) {
        const float e = std::exp(w[p] - new_max);
        sum += e;
        w[p] = kScaled ? e * value_scale[p] : e;
      }
      running_sum[h] = running_sum[h] * correction[h] + sum;
    }
    // out_h = out_h · correction_h + Σ_p w_h[p] · v_p, kHeadTile heads at a
    // time (the tile's values are in L1 by now).
    int64_t h = 0;
    for (; h + kHeadTile <= count; h += kHeadTile) {
      WeightedValueRows<kE, kHeadTile>(d, row_v, scores, correction, h, tile, hd, out + h0 * hd);
    }
    if (h < count) WeightedValueRows<kE, 1>(d, row_v, scores, correction, h, tile, hd, out + h0 * hd);
  }
  for (int64_t h = 0; h < count; ++h) {
    const float inv_sum = 1.0f / running_sum[h];
    float* oh = out + (h0 + h) * hd;
    for (int64_t c = 0; c < hd; ++c) oh[c] *= inv_sum;
  }
}

template <KvElement kE>
void AttendHeads(const float* q, const KvSpan& kv, const AttentionShape& shape, float* out) {
  const int64_t hd = shape.head_dim;
  const int64_t group = shape.num_heads / shape.num_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t kv_end = shape.kv_head_end < 0 ? shape.num_kv_heads : shape.kv_head_end;
  for (int64_t j = shape.kv_head_begin; j < kv_end; ++j) {
    for (int64_t h = 0; h < group; h += kMaxHeads) {
      const int64_t h0 = j * group + h;
      switch (std::min(kMaxHeads, group - h)) {  // a register tile per group size
        case 1: AttendGroup<kE, 1>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 2: AttendGroup<kE, 2>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 3: AttendGroup<kE, 3>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 4: AttendGroup<kE, 4>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 5: AttendGroup<kE, 5>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 6: AttendGroup<kE, 6>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        case 7: AttendGroup<kE, 7>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
        default: AttendGroup<kE, 8>(q, kv, shape.num_kv_heads, j, hd, h0, scale, out); break;
      }
    }
  }
}

void AttendOneQueryKernel(const float* q, const KvSpan& kv, const AttentionShape& shape,
                          float* out) {
  switch (kv.element) {
    case KvElement::kF32: return AttendHeads<KvElement::kF32>(q, kv, shape, out);
    case KvElement::kF16: return AttendHeads<KvElement::kF16>(q, kv, shape, out);
    case KvElement::kBF16: return AttendHeads<KvElement::kBF16>(q, kv, shape, out);
    case KvElement::kInt8: return AttendHeads<KvElement::kInt8>(q, kv, shape, out);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(AttendOneQueryKernel);

void AttendOneQuery(const float* q, const KvSpan& kv, const AttentionShape& shape, float* out,
                    float* /*scores*/) {
  if (kv.length <= 0) return;
  HWY_DYNAMIC_DISPATCH(AttendOneQueryKernel)(q, kv, shape, out);
}

namespace {

// Element e (of kv_dim) of position p's key or value as f32, int8 scale applied.
float ReferenceElement(const KvSpan& kv, bool key, int64_t p, int64_t e, int64_t kv_dim,
                       int64_t head_dim) {
  const int64_t block_index = p / kv.block_size, slot = p % kv.block_size;
  // Two steps, not (key ? a : b)[i]: GCC 12 with -fsanitize=address,undefined
  // at -O2 indexed the wrong array in that form (the keys' at a wrong block).
  const void* const* blocks = key ? kv.key_blocks : kv.value_blocks;
  const void* block = blocks[block_index];
  const int64_t index = (e / head_dim * kv.block_size + slot) * head_dim + e % head_dim;
  switch (kv.element) {
    case KvElement::kF32: return static_cast<const float*>(block)[index];
    case KvElement::kF16: return F16ToF32(static_cast<const uint16_t*>(block)[index]);
    case KvElement::kBF16: return BF16ToF32(static_cast<const uint16_t*>(block)[index]);
    case KvElement::kInt8: {
      const float* const* scale_blocks = key ? kv.key_scale_blocks : kv.value_scale_blocks;
      const float* scales = scale_blocks[block_index];
      const int64_t num_kv_heads = kv_dim / head_dim;
      return static_cast<float>(static_cast<const int8_t*>(block)[index]) *
             scales[slot * num_kv_heads + e / head_dim];
    }
  }
  return 0.0f;
}

}  // namespace

void AttendOneQueryReference(const float* q, const KvSpan& kv, const AttentionShape& shape,
                             float* out, float* scores) {
  const int64_t hd = shape.head_dim;
  const int64_t kv_dim = shape.num_kv_heads * hd;
  const int64_t group = shape.num_heads / shape.num_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t kv_end = shape.kv_head_end < 0 ? shape.num_kv_heads : shape.kv_head_end;
  for (int64_t h = shape.kv_head_begin * group; h < kv_end * group; ++h) {
    const float* qh = q + h * hd;
    const int64_t kv_offset = (h / group) * hd;
    float max_score = -INFINITY;
    for (int64_t p = 0; p < kv.length; ++p) {
      float dot = 0.0f;
      for (int64_t d = 0; d < hd; ++d) dot += qh[d] * ReferenceElement(kv, true, p, kv_offset + d, kv_dim, hd);
      scores[p] = dot * scale;
      max_score = std::max(max_score, scores[p]);
    }
    double sum = 0.0;
    for (int64_t p = 0; p < kv.length; ++p) {
      scores[p] = std::exp(scores[p] - max_score);
      sum += scores[p];
    }
    const float inv_sum = static_cast<float>(1.0 / sum);
    float* oh = out + h * hd;
    std::fill(oh, oh + hd, 0.0f);
    for (int64_t p = 0; p < kv.length; ++p) {
      const float w = scores[p] * inv_sum;
      for (int64_t d = 0; d < hd; ++d) oh[d] += w * ReferenceElement(kv, false, p, kv_offset + d, kv_dim, hd);
    }
  }
}

}  // namespace edgereason
#endif  // HWY_ONCE
