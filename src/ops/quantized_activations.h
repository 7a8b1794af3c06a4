// Activations quantized to int8 per block of 32 columns, the other operand of
// the int8 dot products against quantized weights (llama.cpp's q8_0
// activations, with an f32 instead of an fp16 scale).
//
// Per block: scale = max|x| / 127, q = round(x / scale) in [-127, 127] (round
// half away from zero), so x ≈ q · scale with error ≤ scale / 2.
#pragma once

#include <cstdint>
#include <vector>

namespace edgereason {

struct QuantizedActivations {
  int64_t n = 0;     // activation rows
  int64_t cols = 0;  // a multiple of kQuantBlock
  // [n, cols] int8 values held widened to int16, the operand width of the
  // widening multiply-add the kernels use.
  std::vector<int16_t> values;
  std::vector<float> scales;  // [n, cols / kQuantBlock]

  const int16_t* Row(int64_t i) const { return values.data() + i * cols; }
  const float* RowScales(int64_t i) const { return scales.data() + i * (cols / 32); }
};

// x: [n, cols], cols a multiple of kQuantBlock. Reuses `out`'s buffers.
void QuantizeActivations(const float* x, int64_t n, int64_t cols, QuantizedActivations* out);

}  // namespace edgereason
