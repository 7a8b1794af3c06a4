#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "ops/matmul_reference.h"
#include "ops/simd_config.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t kKeyTile = 64;

float Dot(const float* a, const float* b, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  auto sum = hn::Zero(d);
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) sum = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), sum);
  float s = hn::GetLane(hn::SumOfLanes(d, sum));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// out[n] = out · scale + weight · v
void ScaleAndAccumulate(float* out, float scale, float weight, const float* v, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto vs = hn::Set(d, scale), vw = hn::Set(d, weight);
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::MulAdd(hn::LoadU(d, v + i), vw, hn::Mul(hn::LoadU(d, out + i), vs)), d, out + i);
  }
  for (; i < n; ++i) out[i] = out[i] * scale + weight * v[i];
}

void AttendOneQueryKernel(const float* q, const KvSpan& kv, const AttentionShape& shape,
                          float* out) {
  const int64_t hd = shape.head_dim;
  const int64_t kv_dim = shape.num_kv_heads * hd;
  const int64_t group = shape.num_heads / shape.num_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  float tile_scores[kKeyTile];
  for (int64_t h = 0; h < shape.num_heads; ++h) {
    const float* qh = q + h * hd;
    const int64_t kv_offset = (h / group) * hd;
    float* oh = out + h * hd;
    std::fill(oh, oh + hd, 0.0f);
    float running_max = -INFINITY;
    float running_sum = 0.0f;
    for (int64_t t0 = 0; t0 < kv.length; t0 += kKeyTile) {
      const int64_t t1 = std::min(kv.length, t0 + kKeyTile);
      float tile_max = -INFINITY;
      for (int64_t p = t0; p < t1; ++p) {
        const float* k = kv.key_blocks[p / kv.block_size] + (p % kv.block_size) * kv_dim + kv_offset;
        tile_scores[p - t0] = Dot(qh, k, hd) * scale;
        tile_max = std::max(tile_max, tile_scores[p - t0]);
      }
      const float new_max = std::max(running_max, tile_max);
      // exp(-inf) = 0 on the first tile, when the output and sum are still 0.
      float correction = std::exp(running_max - new_max);
      running_sum *= correction;
      for (int64_t p = t0; p < t1; ++p) {
        const float* v =
            kv.value_blocks[p / kv.block_size] + (p % kv.block_size) * kv_dim + kv_offset;
        const float weight = std::exp(tile_scores[p - t0] - new_max);
        running_sum += weight;
        ScaleAndAccumulate(oh, correction, weight, v, hd);
        correction = 1.0f;
      }
      running_max = new_max;
    }
    const float inv_sum = 1.0f / running_sum;
    ScaleAndAccumulate(oh, inv_sum, 0.0f, oh, hd);
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
  for (int64_t h = 0; h < shape.num_heads; ++h) {
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
