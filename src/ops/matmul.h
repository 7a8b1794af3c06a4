// Matrix products of activations with weight matrices: the linear layers.
//
// Every weight format of tensor/weight_matrix.h is supported. For kQ8_0,
// kQ4_0 and kQ4_PC the activations are first quantized to int8 per block of
// 32 (ops/quantized_activations.h) and each block's dot product is an exact
// int32 sum, scaled and accumulated in f32.
//
// The kernels are Highway SIMD code compiled for several instruction sets and
// dispatched at run time to the best one the CPU has (ops/simd_targets.h);
// scalar references with the same math are in ops/matmul_reference.h.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

// y[n, w.rows] = x[n, w.cols] · wᵀ (+ bias[w.rows] when bias is not null).
// Work is split over output rows across the pool's threads; each weight row
// is read from memory once per call (per chunk of activation rows when n is
// large), so n = 1..16 costs about as much as n = 1.
void MatMul(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y,
            ThreadPool& pool);

// Dot product of two f32 vectors [n].
float DotF32(const float* a, const float* b, int64_t n);

}  // namespace edgereason
