// Matrix products of activations with weight matrices: the linear layers.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

// y[n, w.rows] = x[n, w.cols] · wᵀ (+ bias[w.rows] when bias is not null).
// Work is split over output features across the pool's threads.
void MatMul(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y,
            ThreadPool& pool);

// Dot product of two f32 vectors (the scalar reference for the SIMD kernels).
float DotF32(const float* a, const float* b, int64_t n);

}  // namespace edgereason
