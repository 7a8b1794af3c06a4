#include "ops/quantized_activations.h"

#include <algorithm>
#include <cmath>

#include "ops/simd_config.h"
#include "tensor/weight_format.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/quantized_activations.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Each block: the same f32 operations as the reference (max, amax / 127,
// 1 / scale, x · inverse), and a rounding that equals std::round exactly:
// t = trunc(v) and v − t are exact in f32, so |v − t| ≥ 0.5 decides the
// half-away-from-zero step without the double rounding of trunc(v ± 0.5).
void QuantizeRowsKernel(const float* x, int64_t row_begin, int64_t row_end, int64_t cols,
                        int8_t* values, float* scales, int32_t* sums) {
  const hn::CappedTag<float, kQuantBlock> df;
  const hn::Rebind<int32_t, decltype(df)> di;
  const hn::Rebind<int8_t, decltype(df)> d8;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(df));
  const int64_t nb = cols / kQuantBlock;
  for (int64_t b = row_begin * nb; b < row_end * nb; ++b) {
    const float* xb = x + b * kQuantBlock;
    auto vmax = hn::Zero(df);
    for (int64_t j = 0; j < kQuantBlock; j += lanes) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(df, xb + j)));
    const float amax = hn::GetLane(hn::MaxOfLanes(df, vmax));
    const float scale = amax / 127.0f;
    const float inverse = scale == 0.0f ? 0.0f : 1.0f / scale;
    scales[b] = scale;
    const auto vinv = hn::Set(df, inverse);
    const auto half = hn::Set(df, 0.5f), one = hn::Set(df, 1.0f), limit = hn::Set(df, 127.0f);
    auto vsum = hn::Zero(di);
    for (int64_t j = 0; j < kQuantBlock; j += lanes) {
      const auto v = hn::Mul(hn::LoadU(df, xb + j), vinv);
      const auto t = hn::Trunc(v);
      const auto step = hn::IfThenElseZero(hn::Ge(hn::Abs(hn::Sub(v, t)), half), hn::CopySign(one, v));
      const auto r = hn::Min(hn::Max(hn::Add(t, step), hn::Neg(limit)), limit);
      const auto q = hn::ConvertTo(di, r);
      vsum = hn::Add(vsum, q);
      hn::StoreU(hn::DemoteTo(d8, q), d8, values + b * kQuantBlock + j);
    }
    sums[b] = hn::GetLane(hn::SumOfLanes(di, vsum));
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(QuantizeRowsKernel);

void ResizeQuantizedActivations(int64_t n, int64_t cols, QuantizedActivations* out) {
  const int64_t nb = cols / kQuantBlock;
  out->n = n;
  out->cols = cols;
  out->values.resize(n * cols);
  out->scales.resize(n * nb);
  out->sums.resize(n * nb);
}

void QuantizeActivationRows(const float* x, int64_t row_begin, int64_t row_end,
                            QuantizedActivations* out) {
  HWY_DYNAMIC_DISPATCH(QuantizeRowsKernel)(x, row_begin, row_end, out->cols, out->values.data(),
                                           out->scales.data(), out->sums.data());
}

void QuantizeActivations(const float* x, int64_t n, int64_t cols, QuantizedActivations* out) {
  ResizeQuantizedActivations(n, cols, out);
  QuantizeActivationRows(x, 0, n, out);
}

void QuantizeActivationsReference(const float* x, int64_t n, int64_t cols,
                                  QuantizedActivations* out) {
  ResizeQuantizedActivations(n, cols, out);
  for (int64_t b = 0; b < n * (cols / kQuantBlock); ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f;
    for (int64_t j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float scale = amax / 127.0f;
    const float inverse = scale == 0.0f ? 0.0f : 1.0f / scale;
    out->scales[b] = scale;
    int8_t* q = out->values.data() + b * kQuantBlock;
    int32_t sum = 0;
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      q[j] = static_cast<int8_t>(std::clamp(std::round(xb[j] * inverse), -127.0f, 127.0f));
      sum += q[j];
    }
    out->sums[b] = sum;
  }
}

}  // namespace edgereason
#endif  // HWY_ONCE
