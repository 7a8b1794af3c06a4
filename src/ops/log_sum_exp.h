// log Σ exp(x): the normaliser of a softmax, for log-probabilities over a
// vocabulary (151,936 logits for Qwen2) once per generated token.
#pragma once

#include <cstdint>

namespace edgereason {

// x: [n], n ≥ 1. Highway kernel, dispatched at run time: a max pass, then
// exp(x - max) with the vector exp (a few ulp from std::exp) summed in f32
// lanes a block of 512 at a time and the blocks in f64, so the result stays
// within a few 1e-6 of the f64 reference at any length. -inf entries count as
// exp(-inf) = 0; the result is -inf when every entry is -inf.
double LogSumExp(const float* x, int64_t n);

// Scalar reference in f64 with std::exp.
double LogSumExpReference(const float* x, int64_t n);

}  // namespace edgereason
