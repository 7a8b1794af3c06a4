#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "ops/matmul_reference.h"
#include "ops/simd_config.h"

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
// Query heads of one KV group handled together (Qwen2.5-0.5B has 7 per group;
// larger groups are split). Their score accumulators live in registers.
constexpr int64_t kMaxHeads = 8;

// The attention of the query heads [h0, h0 + count) of one KV head over the
// whole span, so each key and value row slice is read from memory once for
// all of them (it stays in L1 while every head of the group uses it).
//
// Per tile of kKeyTile positions: scores of every head (one pass over the
// keys), then per head the online-softmax update (running max and sum; the
// head's output is rescaled when the max grows) and the weighted sum of the
// tile's values, which stay in L1 while the heads take turns.
void AttendGroup(const float* q, const KvSpan& kv, int64_t kv_dim, int64_t kv_offset,
                 int64_t hd, int64_t h0, int64_t count, float scale, float* out) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = hd / lanes * lanes;  // vector part of a head's row
  float scores[kMaxHeads][kKeyTile];
  float running_max[kMaxHeads], running_sum[kMaxHeads];
  for (int64_t h = 0; h < count; ++h) {
    running_max[h] = -INFINITY;
    running_sum[h] = 0.0f;
    std::fill(out + (h0 + h) * hd, out + (h0 + h + 1) * hd, 0.0f);
  }
  // Row slices of this tile and the next: the cache's blocks are scattered
  // and each row slice is only part of a row, which the hardware prefetchers
  // follow poorly, so the next tile's slices are prefetched while this one
  // is computed.
  const float* rows[2][2][kKeyTile];  // [tile parity][key, value][position]
  const auto fill_rows = [&](int64_t t0, const float* (&k)[kKeyTile], const float* (&v)[kKeyTile]) {
    const int64_t tile = std::min(kKeyTile, kv.length - t0);
    for (int64_t p = 0; p < tile; ++p) {
      const int64_t pos = t0 + p;
      const int64_t within = (pos % kv.block_size) * kv_dim + kv_offset;
      k[p] = kv.key_blocks[pos / kv.block_size] + within;
      v[p] = kv.value_blocks[pos / kv.block_size] + within;
    }
  };
  fill_rows(0, rows[0][0], rows[0][1]);
  for (int64_t t0 = 0, parity = 0; t0 < kv.length; t0 += kKeyTile, parity ^= 1) {
    const int64_t tile = std::min(kKeyTile, kv.length - t0);
    const float* const* row_k = rows[parity][0];
    const float* const* row_v = rows[parity][1];
    const int64_t next_t0 = t0 + kKeyTile;
    const int64_t next_tile = next_t0 < kv.length ? std::min(kKeyTile, kv.length - next_t0) : 0;
    if (next_tile > 0) fill_rows(next_t0, rows[parity ^ 1][0], rows[parity ^ 1][1]);
    // Scores: each key slice is loaded once per vector and used by all heads.
    for (int64_t p = 0; p < tile; ++p) {
      if (p < next_tile) {
        for (int64_t c = 0; c < hd; c += 64 / static_cast<int64_t>(sizeof(float))) {
          hwy::Prefetch(rows[parity ^ 1][0][p] + c);
          hwy::Prefetch(rows[parity ^ 1][1][p] + c);
        }
      }
      const float* k = row_k[p];
      V acc[kMaxHeads];
      for (int64_t h = 0; h < count; ++h) acc[h] = hn::Zero(d);
      for (int64_t c = 0; c < full; c += lanes) {
        const V kc = hn::LoadU(d, k + c);
        for (int64_t h = 0; h < count; ++h) {
          acc[h] = hn::MulAdd(hn::LoadU(d, q + (h0 + h) * hd + c), kc, acc[h]);
        }
      }
      for (int64_t h = 0; h < count; ++h) {
        float dot = hn::GetLane(hn::SumOfLanes(d, acc[h]));
        for (int64_t c = full; c < hd; ++c) dot += q[(h0 + h) * hd + c] * k[c];
        scores[h][p] = dot * scale;
      }
    }
    for (int64_t h = 0; h < count; ++h) {
      float tile_max = -INFINITY;
      for (int64_t p = 0; p < tile; ++p) tile_max = std::max(tile_max, scores[h][p]);
      const float new_max = std::max(running_max[h], tile_max);
      // exp(-inf) = 0 on the first tile, when the output and sum are still 0.
      const float correction = std::exp(running_max[h] - new_max);
      running_max[h] = new_max;
      float* w = scores[h];
      const V vmax = hn::Set(d, new_max);
      int64_t p = 0;
      auto vsum = hn::Zero(d);
      for (; p + lanes <= tile; p += lanes) {
        const V e = hn::Exp(d, hn::Sub(hn::LoadU(d, w + p), vmax));
        vsum = hn::Add(vsum, e);
        hn::StoreU(e, d, w + p);
      }
      float sum = hn::GetLane(hn::SumOfLanes(d, vsum));
      for (; p < tile; ++p) {
        w[p] = std::exp(w[p] - new_max);
        sum += w[p];
      }
      running_sum[h] = running_sum[h] * correction + sum;
      // out_h = out_h · correction + Σ_p w_p · v_p, a few vectors at a time
      // in registers (the tile's values are in L1 by now).
      float* oh = out + (h0 + h) * hd;
      constexpr int64_t kChunk = 4;
      for (int64_t c0 = 0; c0 < full; c0 += kChunk * lanes) {
        const int64_t n = std::min<int64_t>(kChunk, (full - c0) / lanes);
        V o[kChunk];
        const V vc = hn::Set(d, correction);
        for (int64_t j = 0; j < n; ++j) o[j] = hn::Mul(hn::LoadU(d, oh + c0 + j * lanes), vc);
        for (int64_t pp = 0; pp < tile; ++pp) {
          const V vw = hn::Set(d, w[pp]);
          for (int64_t j = 0; j < n; ++j) {
            o[j] = hn::MulAdd(vw, hn::LoadU(d, row_v[pp] + c0 + j * lanes), o[j]);
          }
        }
        for (int64_t j = 0; j < n; ++j) hn::StoreU(o[j], d, oh + c0 + j * lanes);
      }
      for (int64_t c = full; c < hd; ++c) {
        float o = oh[c] * correction;
        for (int64_t pp = 0; pp < tile; ++pp) o += w[pp] * row_v[pp][c];
        oh[c] = o;
      }
    }
  }
  for (int64_t h = 0; h < count; ++h) {
    const float inv_sum = 1.0f / running_sum[h];
    float* oh = out + (h0 + h) * hd;
    for (int64_t c = 0; c < hd; ++c) oh[c] *= inv_sum;
  }
}

void AttendOneQueryKernel(const float* q, const KvSpan& kv, const AttentionShape& shape,
                          float* out) {
  const int64_t hd = shape.head_dim;
  const int64_t kv_dim = shape.num_kv_heads * hd;
  const int64_t group = shape.num_heads / shape.num_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t kv_end = shape.kv_head_end < 0 ? shape.num_kv_heads : shape.kv_head_end;
  for (int64_t j = shape.kv_head_begin; j < kv_end; ++j) {
    for (int64_t h = 0; h < group; h += kMaxHeads) {
      AttendGroup(q, kv, kv_dim, j * hd, hd, j * group + h, std::min(kMaxHeads, group - h), scale,
                  out);
    }
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
      const float* k = kv.key_blocks[p / kv.block_size] + (p % kv.block_size) * kv_dim + kv_offset;
      scores[p] = DotF32Reference(qh, k, hd) * scale;
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
      const float* v =
          kv.value_blocks[p / kv.block_size] + (p % kv.block_size) * kv_dim + kv_offset;
      const float w = scores[p] * inv_sum;
      for (int64_t d = 0; d < hd; ++d) oh[d] += w * v[d];
    }
  }
}

}  // namespace edgereason
#endif  // HWY_ONCE
