// The kPanels layout of a quantized weight matrix: its row-major bytes and
// scales regrouped, once at load, so the int8 kernels (ops/matmul_vnni.cc)
// read 16 output rows with one 64-byte load and multiply them by one
// broadcast quad of activations. Decoding 8 parallel streams then shares each
// weight load and each nibble unpacking among all 8 activation rows, where the
// row-major GEMV redid both for every group of activation rows.
//
// Let B be the bytes of one row's block in the kRows layout (kQ8_0: 32 int8;
// kQ4_0, kQ4_PC: 16 bytes of two nibbles). Panel p holds rows [16p, 16p + 16):
//   data   [rows / 16][nb][B / 4][16][4]: for block b, the byte quad
//          j (bytes 4j..4j+3 of the row's block, unchanged) of row 16p + r at
//          ((p·nb + b)·(B/4) + j)·64 + 4r. A panel's 16 rows occupy the same
//          16 · cols·B/32 bytes they did in kRows, contiguously.
//   scales kQ8_0, kQ4_0: fp16 [rows / 16][nb][16], (p·nb + b)·16 + r.
//          kQ4_PC: unchanged, f32 [rows].
// For kQ4_0 one 64-byte vector j therefore holds, in its low nibbles, columns
// 4j..4j+3 of 16 rows and, in its high nibbles, columns 16+4j..16+4j+3.
// Nothing is rounded: packing and unpacking are exact byte permutations.
#pragma once

#include <cstdint>

#include "tensor/weight_matrix.h"

namespace edgereason {

inline constexpr int64_t kPanelRows = 16;

// Bytes of one row's block in the kRows layout: 32 for kQ8_0, 16 for the
// 4-bit formats.
inline int64_t BlockBytes(WeightFormat format) {
  return format == WeightFormat::kQ8_0 ? kQuantBlock : kQuantBlock / 2;
}

// True when `w` is a kRows quantized matrix whose rows are a whole number of
// panels.
bool CanPackPanels(const WeightMatrix& w);

// The kPanels copy of `w` (CanPackPanels(w) must hold); owns its storage.
WeightMatrix PackPanels(const WeightMatrix& w);

// The kRows copy of a kPanels matrix (for writing checkpoints); owns its
// storage. A kRows matrix is returned as is.
WeightMatrix UnpackPanels(const WeightMatrix& w);

// Offset into a kPanels matrix's data of byte `byte` (0..B-1) of block
// `block` of row `row`.
inline int64_t PanelByteOffset(int64_t row, int64_t block, int64_t byte, int64_t nb,
                               int64_t block_bytes) {
  const int64_t panel = row / kPanelRows;
  return ((panel * nb + block) * (block_bytes / 4) + byte / 4) * 64 + (row % kPanelRows) * 4 +
         byte % 4;
}

// Index into a kPanels matrix's fp16 block scales of block `block` of `row`.
inline int64_t PanelScaleIndex(int64_t row, int64_t block, int64_t nb) {
  return (row / kPanelRows * nb + block) * kPanelRows + row % kPanelRows;
}

// Copies block `block` of `row` in its kRows form, whichever the layout:
// B bytes into `bytes` and, for block-scaled formats, the fp16 scale bits
// (0 for kQ4_PC).
void ReadBlock(const WeightMatrix& w, int64_t row, int64_t block, uint8_t* bytes,
               uint16_t* scale);

}  // namespace edgereason
