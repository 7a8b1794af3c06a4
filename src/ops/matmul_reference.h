// Scalar references of the matrix kernels in ops/matmul.h: plain loops with
// the same math, against which tests compare the SIMD code on every target.
#pragma once

#include <cstdint>

#include "tensor/weight_matrix.h"

namespace edgereason {

// Eight interleaved partial sums, combined pairwise.
float DotF32Reference(const float* a, const float* b, int64_t n);

// Same contract as MatMul, single-threaded. For the quantized formats the
// activations are quantized per block of 32, each block's int8 dot
// product is summed exactly in int32, and the per-block terms
// scale_w · scale_x · dot are accumulated in f32 in column order
// (kQ4_PC: Σ scale_x · dot, times the row scale at the end).
void MatMulReference(const float* x, int64_t n, const WeightMatrix& w, const float* bias,
                     float* y);

struct QuantizedActivations;

// Row `r` of a quantized `w` (either layout) times activation row `i` of
// `xq`, as MatMulReference computes it. MatMul also runs it for a kPanels
// matrix on a target without the int8 panel kernels, which only a test that
// narrows the dispatched targets can bring about.
float QuantizedRowDotReference(const WeightMatrix& w, int64_t r, const QuantizedActivations& xq,
                               int64_t i);

}  // namespace edgereason
