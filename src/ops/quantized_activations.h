// Activations quantized to int8 per block of 32 columns, the other operand of
// the int8 dot products against quantized weights (llama.cpp's q8_0
// activations, with an f32 instead of an fp16 scale).
//
// Per block: scale = max|x| / 127, q = round(x / scale) in [-127, 127] (round
// half away from zero), so x ≈ q · scale with error ≤ scale / 2. The sum of
// each block's q is kept too: the VNNI kernels multiply unsigned by signed
// bytes, and shifting one operand by a constant c adds c · Σq per block,
// which the sums let them subtract exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace edgereason {

struct QuantizedActivations {
  int64_t n = 0;     // activation rows
  int64_t cols = 0;  // a multiple of kQuantBlock
  std::vector<int8_t> values;  // [n, cols]
  std::vector<float> scales;   // [n, cols / kQuantBlock]
  std::vector<int32_t> sums;   // [n, cols / kQuantBlock]: Σ values of each block

  const int8_t* Row(int64_t i) const { return values.data() + i * cols; }
  const float* RowScales(int64_t i) const { return scales.data() + i * (cols / 32); }
  const int32_t* RowSums(int64_t i) const { return sums.data() + i * (cols / 32); }
};

// x: [n, cols], cols a multiple of kQuantBlock. Reuses `out`'s buffers.
// Highway kernel dispatched at run time; bit-identical to the reference.
void QuantizeActivations(const float* x, int64_t n, int64_t cols, QuantizedActivations* out);

// Rows [row_begin, row_end) only, into `out` already sized by
// ResizeQuantizedActivations (so threads can share the work).
void ResizeQuantizedActivations(int64_t n, int64_t cols, QuantizedActivations* out);
void QuantizeActivationRows(const float* x, int64_t row_begin, int64_t row_end,
                            QuantizedActivations* out);

// Scalar reference with the same contract.
void QuantizeActivationsReference(const float* x, int64_t n, int64_t cols,
                                  QuantizedActivations* out);

}  // namespace edgereason
