// RMSNorm: y = x / sqrt(mean(x²) + eps) * weight, as in Llama/Qwen.
#pragma once

#include <cstdint>

namespace edgereason {

// x, y: [n, dim] (may alias); weight: [dim]. Highway kernel, dispatched at run
// time; the sum of squares is accumulated in f32 vector lanes.
void RmsNorm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* y);

// Scalar reference: sum of squares in double.
void RmsNormReference(const float* x, const float* weight, int64_t n, int64_t dim, float eps,
                      float* y);

}  // namespace edgereason
