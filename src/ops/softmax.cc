#include "ops/softmax.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "ops/simd_config.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/softmax.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Elements summed in f32 lanes before the block's sum joins the f64 total: at
// most 512 / lanes additions per lane keep the f32 rounding of the sum below
// ~4e-6 relative in the worst case (~5e-7 typically), where one f32 sum of
// 151,936 terms over 8 lanes could lose 1e-3.
constexpr int64_t kBlock = 512;

float MaxValueKernel(const float* x, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  auto vmax = hn::Set(d, -INFINITY);
  for (; i + lanes <= n; i += lanes) vmax = hn::Max(vmax, hn::LoadU(d, x + i));
  float max = hn::GetLane(hn::MaxOfLanes(d, vmax));
  for (; i < n; ++i) max = std::max(max, x[i]);
  return max;
}

double ExpShiftedSumKernel(const float* x, int64_t n, float shift, float* out) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  // Highway's Exp is defined on [-FLT_MAX, 104]: -inf - shift is clamped to
  // -FLT_MAX, whose exp is 0 as exp(-inf) is.
  const auto vshift = hn::Set(d, shift), lowest = hn::Set(d, -FLT_MAX);
  double total = 0.0;
  int64_t i = 0;
  while (i + lanes <= n) {
    const int64_t block_end = std::min(n, i + kBlock);
    auto vsum = hn::Zero(d);
    for (; i + lanes <= block_end; i += lanes) {
      const auto e = hn::Exp(d, hn::Max(hn::Sub(hn::LoadU(d, x + i), vshift), lowest));
      if (out != nullptr) hn::StoreU(e, d, out + i);
      vsum = hn::Add(vsum, e);
    }
    total += hn::GetLane(hn::SumOfLanes(d, vsum));
  }
  for (; i < n; ++i) {
    const float e = std::exp(x[i] - shift);
    if (out != nullptr) out[i] = e;
    total += e;
  }
  return total;
}

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(MaxValueKernel);
HWY_EXPORT(ExpShiftedSumKernel);

float MaxValue(const float* x, int64_t n) { return HWY_DYNAMIC_DISPATCH(MaxValueKernel)(x, n); }

double ExpShiftedSum(const float* x, int64_t n, float shift, float* out) {
  return HWY_DYNAMIC_DISPATCH(ExpShiftedSumKernel)(x, n, shift, out);
}

double LogSumExp(const float* x, int64_t n) {
  const float max = MaxValue(x, n);
  if (max == -INFINITY) return -INFINITY;
  return max + std::log(ExpShiftedSum(x, n, max, nullptr));
}

double ExpShiftedSumReference(const float* x, int64_t n, float shift, float* out) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double e = std::exp(static_cast<double>(x[i]) - shift);
    if (out != nullptr) out[i] = static_cast<float>(e);
    total += e;
  }
  return total;
}

double LogSumExpReference(const float* x, int64_t n) {
  const double max = *std::max_element(x, x + n);
  if (max == -INFINITY) return -INFINITY;
  return max + std::log(ExpShiftedSumReference(x, n, static_cast<float>(max), nullptr));
}

}  // namespace edgereason
#endif  // HWY_ONCE
