#include "ops/norm.h"

#include <cmath>

namespace edgereason {

void RmsNorm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * dim;
    float* yi = y + i * dim;
    double sum_sq = 0.0;
    for (int64_t d = 0; d < dim; ++d) sum_sq += static_cast<double>(xi[d]) * xi[d];
    const float inv_rms =
        1.0f / std::sqrt(static_cast<float>(sum_sq / static_cast<double>(dim)) + eps);
    for (int64_t d = 0; d < dim; ++d) yi[d] = weight[d] * (xi[d] * inv_rms);
  }
}

}  // namespace edgereason
