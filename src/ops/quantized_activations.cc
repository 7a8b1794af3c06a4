#include "ops/quantized_activations.h"

#include <algorithm>
#include <cmath>

#include "tensor/weight_format.h"

namespace edgereason {

void QuantizeActivations(const float* x, int64_t n, int64_t cols, QuantizedActivations* out) {
  const int64_t nb = cols / kQuantBlock;
  out->n = n;
  out->cols = cols;
  out->values.resize(n * cols);
  out->scales.resize(n * nb);
  for (int64_t b = 0; b < n * nb; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f;
    for (int64_t j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float scale = amax / 127.0f;
    const float inverse = scale == 0.0f ? 0.0f : 1.0f / scale;
    out->scales[b] = scale;
    int16_t* q = out->values.data() + b * kQuantBlock;
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      q[j] = static_cast<int16_t>(std::clamp(std::round(xb[j] * inverse), -127.0f, 127.0f));
    }
  }
}

}  // namespace edgereason
