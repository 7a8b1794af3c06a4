#include "ops/rope.h"

#include <cmath>

namespace edgereason {

void ApplyRope(float* heads, int64_t num_heads, int64_t head_dim, int64_t position,
               const std::vector<float>& inv_freq) {
  const int64_t half = head_dim / 2;
  // The angle is formed in f32 (position × inverse frequency), as the
  // reference implementation does, then its cosine/sine taken precisely.
  float cos_table[512], sin_table[512];
  std::vector<float> heap_cos, heap_sin;
  float* cos_v = cos_table;
  float* sin_v = sin_table;
  if (half > 512) {
    heap_cos.resize(half);
    heap_sin.resize(half);
    cos_v = heap_cos.data();
    sin_v = heap_sin.data();
  }
  for (int64_t i = 0; i < half; ++i) {
    const float angle = static_cast<float>(position) * inv_freq[i];
    cos_v[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
    sin_v[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
  }
  for (int64_t h = 0; h < num_heads; ++h) {
    float* x = heads + h * head_dim;
    for (int64_t i = 0; i < half; ++i) {
      const float x1 = x[i], x2 = x[i + half];
      x[i] = x1 * cos_v[i] - x2 * sin_v[i];
      x[i + half] = x2 * cos_v[i] + x1 * sin_v[i];
    }
  }
}

}  // namespace edgereason
