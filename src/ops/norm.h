// RMSNorm: y = x / sqrt(mean(x²) + eps) * weight, as in Llama/Qwen.
#pragma once

#include <cstdint>

namespace edgereason {

// x, y: [n, dim] (may alias); weight: [dim].
void RmsNorm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* y);

}  // namespace edgereason
