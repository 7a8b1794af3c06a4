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
#include <span>

#include "base/thread_pool.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

// y[n, w.rows] = x[n, w.cols] · wᵀ (+ bias[w.rows] when bias is not null).
// Work is split over output rows across the pool's threads; each weight row
// is read from memory once per call (per chunk of activation rows when n is
// large), so n = 1..16 costs about as much as n = 1.
void MatMul(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y,
            ThreadPool& pool);

// One product of MatMulBatch: y[n, w.rows] = x[n, w.cols] · wᵀ (+ bias).
struct MatMulJob {
  const float* x = nullptr;
  int64_t n = 0;
  const WeightMatrix* w = nullptr;
  const float* bias = nullptr;  // [w.rows] or null
  float* y = nullptr;
  // Index of an earlier job of the batch whose output `x` is (a LoRA B
  // product reads its A product), or -1. Its rows start once that job's rows
  // are all done, within the same pass: no second wake-up of the pool.
  int after = -1;
};

// Every job in one parallel pass over their output rows taken together, so
// products of one input (q, k and v; gate and up; the LoRA A matrices beside
// them) wake the pool once and quantize the input once (jobs with the same x,
// n and width share it). Results equal one MatMul per job. Outputs must not
// overlap each other or any input other than a later job's `after` input.
void MatMulBatch(std::span<const MatMulJob> jobs, ThreadPool& pool);

// The layout MatMul reads `w` fastest in on this CPU: kPanels (see
// tensor/weight_panels.h) for a quantized matrix of whole 16-row panels when
// the dispatched target has the int8 panel kernels (AVX-512 VNNI), else
// kRows. Either layout gives the same results, which tests check against the
// reference.
WeightLayout PreferredWeightLayout(const WeightMatrix& w);

// `w` in PreferredWeightLayout: repacked (an owned copy) once at load by the
// loaders, or returned as is.
WeightMatrix InPreferredLayout(WeightMatrix w);

// Dot product of two f32 vectors [n].
float DotF32(const float* a, const float* b, int64_t n);

}  // namespace edgereason
