#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "ops/matmul.h"

namespace edgereason {

void AttendOneQuery(const float* q, const KvSpan& kv, const AttentionShape& shape, float* out,
                    float* scores) {
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
      scores[p] = DotF32(qh, k, hd) * scale;
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
