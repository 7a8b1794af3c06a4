// Conversion of f32 weight matrices into the stored formats of
// tensor/weight_matrix.h, and decoding of single rows back to f32 (the
// embedding lookup reads one row per token this way).
//
// Quantization math (compatible with llama.cpp's decoders; the scale used to
// round each value is the fp16-rounded scale that is stored, so decoding
// reproduces exactly the grid the values were rounded to):
//   kQ8_0  per block of 32: scale = max|x| / 127, q = round(x / scale) in [-127, 127].
//   kQ4_0  per block of 32: m = the value of largest magnitude (with its sign),
//          scale = m / -8, u = clamp(round(x / scale) + 8, 0, 15).
//   kQ4_PC per row: scale = max|x| / 7, u = round(x / scale) + 8 in [1, 15].
// round() is round-half-away-from-zero.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "tensor/weight_format.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

// values: f32 [rows, cols], row-major by output row. Fails for non-finite
// values and, for the quantized formats, when cols is not a multiple of
// kQuantBlock (rows are never padded). The result owns its storage.
Result<WeightMatrix> QuantizeWeights(const float* values, int64_t rows, int64_t cols,
                                     WeightFormat target);

// out[w.cols] = row `row` of `w` decoded to f32 (exact for kF32 and kBF16).
void DequantizeRow(const WeightMatrix& w, int64_t row, float* out);

}  // namespace edgereason
