#include "ops/norm.h"

#include <cmath>

#include "ops/simd_config.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/norm.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void RmsNormKernel(const float* x, const float* weight, int64_t n, int64_t dim, float eps,
                   float* y) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * dim;
    float* yi = y + i * dim;
    auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
    int64_t k = 0;
    for (; k + 2 * lanes <= dim; k += 2 * lanes) {
      const auto a = hn::LoadU(d, xi + k), b = hn::LoadU(d, xi + k + lanes);
      sum0 = hn::MulAdd(a, a, sum0);
      sum1 = hn::MulAdd(b, b, sum1);
    }
    for (; k + lanes <= dim; k += lanes) {
      const auto a = hn::LoadU(d, xi + k);
      sum0 = hn::MulAdd(a, a, sum0);
    }
    float sum_sq = hn::GetLane(hn::SumOfLanes(d, hn::Add(sum0, sum1)));
    for (; k < dim; ++k) sum_sq += xi[k] * xi[k];
    const float inv_rms = 1.0f / std::sqrt(sum_sq / static_cast<float>(dim) + eps);
    const auto scale = hn::Set(d, inv_rms);
    k = 0;
    for (; k + lanes <= dim; k += lanes) {
      hn::StoreU(hn::Mul(hn::LoadU(d, weight + k), hn::Mul(hn::LoadU(d, xi + k), scale)), d,
                 yi + k);
    }
    for (; k < dim; ++k) yi[k] = weight[k] * (xi[k] * inv_rms);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(RmsNormKernel);

void RmsNorm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* y) {
  HWY_DYNAMIC_DISPATCH(RmsNormKernel)(x, weight, n, dim, eps, y);
}

void RmsNormReference(const float* x, const float* weight, int64_t n, int64_t dim, float eps,
                      float* y) {
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
#endif  // HWY_ONCE
