// The pieces of a softmax over a vocabulary (151,936 logits for Qwen2), once
// per generated token and stream: the largest logit, the unnormalised
// probabilities exp(x - max) with their sum, and the normaliser log Σ exp(x).
//
// Highway kernels dispatched at run time. The vector exp is a few ulp from
// std::exp; sums run in f32 lanes a block of 512 at a time and the blocks in
// f64, so they stay within a few 1e-6 (relative) of the f64 references at any
// length. -inf entries count as exp(-inf) = 0.
#pragma once

#include <cstdint>

namespace edgereason {

// max_i x[i]; x: [n], n ≥ 1.
float MaxValue(const float* x, int64_t n);

// out[i] = exp(x[i] - shift) (f32) for x, out: [n]; returns Σ out (f64).
// `shift` ≥ every x[i] keeps each term in [0, 1]; out may be null.
double ExpShiftedSum(const float* x, int64_t n, float shift, float* out);

// log Σ exp(x[i]) for x: [n], n ≥ 1; -inf when every entry is -inf.
double LogSumExp(const float* x, int64_t n);

// Scalar references in f64 with std::exp.
double ExpShiftedSumReference(const float* x, int64_t n, float shift, float* out);
double LogSumExpReference(const float* x, int64_t n);

}  // namespace edgereason
