// A linear layer's weight: `rows` outputs × `cols` inputs, row-major by output
// row (the Hugging Face [out, in] layout, y = x Wᵀ), either borrowed from a
// memory-mapped checkpoint or owned.
//
// Layouts (r = output row, b = block index within a row, nb = cols / 32):
//   kF32   data: float[rows][cols]
//   kBF16  data: uint16 bfloat16 bits [rows][cols]
//   kQ8_0  data: int8 q[rows][cols]; value = q · scale[r][b] for column 32b + j.
//          scales: uint16 fp16 bits [rows][nb].
//   kQ4_0  data: uint8 [rows][cols / 2]; block b of row r is the 16 bytes at
//          r·cols/2 + 16b, byte j holding column 32b + j in its low nibble and
//          column 32b + 16 + j in its high nibble (llama.cpp's block_q4_0
//          order). A nibble u decodes to (u − 8) · scale[r][b].
//          scales: uint16 fp16 bits [rows][nb].
//   kQ4_PC data: packed exactly like kQ4_0 (u in [1, 15], value (u − 8) · s).
//          scales: float [rows], one per output row.
// Quantized values and scales are kept in separate arrays so that a row's
// quantized values are contiguous for the SIMD kernels, and the scales of a
// row tile fit in a few cache lines.
//
// Those are the kRows layouts, the ones checkpoints store. A quantized matrix
// may instead be in the kPanels layout (tensor/weight_panels.h): the same
// bytes and scales regrouped in panels of 16 rows for the int8 kernels, made
// once at load. Only the matrix kernels, DequantizeRow and the panel helpers
// read a kPanels matrix; everything else sees kRows.
//
// Ownership: `storage` keeps owned data (or the mapped file) alive; copies
// share it. Immutable after load, so safe to read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/weight_format.h"

namespace edgereason {

enum class WeightLayout : uint8_t {
  kRows,    // row-major, as documented above
  kPanels,  // 16-row panels (tensor/weight_panels.h); quantized formats only
};

struct WeightMatrix {
  WeightFormat format = WeightFormat::kF32;
  WeightLayout layout = WeightLayout::kRows;
  // Element type of `data` for loaders that predate `format`; the kernels read
  // `format` only. Kept equal to kF32 whenever format is kF32.
  DType dtype = DType::kF32;
  int64_t rows = 0;  // outputs
  int64_t cols = 0;  // inputs
  const void* data = nullptr;
  const void* scales = nullptr;  // quantized formats only (see the layouts above)
  std::shared_ptr<const void> storage;

  const float* f32() const { return static_cast<const float*>(data); }
  const float* Row(int64_t r) const { return f32() + r * cols; }  // kF32 only
  const uint16_t* bf16() const { return static_cast<const uint16_t*>(data); }
  const int8_t* q8() const { return static_cast<const int8_t*>(data); }
  const uint8_t* q4() const { return static_cast<const uint8_t*>(data); }
  // Block scales: [rows][nb] for kRows, [rows / 16][nb][16] for kPanels.
  const uint16_t* block_scales() const { return static_cast<const uint16_t*>(scales); }
  const float* row_scales() const { return static_cast<const float*>(scales); }

  int64_t blocks_per_row() const { return cols / kQuantBlock; }
  // Exact bytes of `data` plus `scales`, and of `scales` alone.
  int64_t Bytes() const;
  int64_t ScaleBytes() const;

  // Takes ownership of f32 values [rows, cols].
  static WeightMatrix FromF32(std::vector<float> values, int64_t rows, int64_t cols);
};

}  // namespace edgereason
