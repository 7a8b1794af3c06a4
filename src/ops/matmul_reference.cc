#include "ops/matmul_reference.h"

#include <vector>

#include "ops/quantized_activations.h"
#include "tensor/weight_panels.h"

namespace edgereason {
namespace {

// The int8 weight value of column j of a block read by ReadBlock.
int WeightValue(WeightFormat format, const uint8_t* block, int64_t j) {
  if (format == WeightFormat::kQ8_0) return static_cast<int8_t>(block[j]);
  const uint8_t byte = block[j % 16];
  return (j < 16 ? (byte & 0x0f) : (byte >> 4)) - 8;
}

}  // namespace

// Either layout (kRows or kPanels): blocks are read through ReadBlock.
float QuantizedRowDotReference(const WeightMatrix& w, int64_t r, const QuantizedActivations& xq,
                               int64_t i) {
  const int64_t nb = w.blocks_per_row();
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t block[kQuantBlock];
    uint16_t scale_bits = 0;
    ReadBlock(w, r, b, block, &scale_bits);
    int32_t dot = 0;
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      dot += WeightValue(w.format, block, j) * xq.Row(i)[b * kQuantBlock + j];
    }
    const float x_scale = xq.RowScales(i)[b];
    const float scale =
        w.format == WeightFormat::kQ4_PC ? x_scale : x_scale * F16ToF32(scale_bits);
    sum += static_cast<float>(dot) * scale;
  }
  return w.format == WeightFormat::kQ4_PC ? sum * w.row_scales()[r] : sum;
}

float DotF32Reference(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  for (int k = 0; i < n; ++i, ++k) acc[k] += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void MatMulReference(const float* x, int64_t n, const WeightMatrix& w, const float* bias,
                     float* y) {
  const int64_t rows = w.rows, cols = w.cols;
  QuantizedActivations xq;
  if (IsQuantized(w.format)) QuantizeActivationsReference(x, n, cols, &xq);
  std::vector<float> row(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const float b = bias != nullptr ? bias[r] : 0.0f;
    if (w.format == WeightFormat::kBF16) {
      for (int64_t c = 0; c < cols; ++c) row[c] = BF16ToF32(w.bf16()[r * cols + c]);
    }
    for (int64_t i = 0; i < n; ++i) {
      float dot;
      if (w.format == WeightFormat::kF32) {
        dot = DotF32Reference(x + i * cols, w.Row(r), cols);
      } else if (w.format == WeightFormat::kBF16) {
        dot = DotF32Reference(x + i * cols, row.data(), cols);
      } else {
        dot = QuantizedRowDotReference(w, r, xq, i);
      }
      y[i * rows + r] = dot + b;
    }
  }
}

}  // namespace edgereason
