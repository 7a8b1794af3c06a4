// What the MatMul kernel files share: one call's operands, handed to the
// per-thread row-range kernels of ops/matmul.cc and ops/matmul_vnni.cc.
#pragma once

#include <cstdint>

#include "hwy/cache_control.h"
#include "ops/quantized_activations.h"
#include "tensor/weight_matrix.h"

namespace edgereason::matmul_detail {

// One MatMul call's inputs and output, shared by all threads.
struct Operands {
  const float* x = nullptr;                  // [n, cols]
  const QuantizedActivations* xq = nullptr;  // x quantized (quantized formats only)
  int64_t n = 0;
  const WeightMatrix* w = nullptr;  // [rows, cols]
  const float* bias = nullptr;      // [rows] or null
  float* y = nullptr;               // [n, rows]
};

// Prefetches the 64-byte lines of [p, p + bytes) that lie before `end`, the
// end of the weights. Decode reads every weight once, so the GEMV kernels keep
// a cursor a fixed distance past the row tile they read and move it by the
// bytes each step consumes.
inline void PrefetchLines(const uint8_t* p, int64_t bytes, const uint8_t* end) {
  for (int64_t line = 0; line < bytes; line += 64) {
    if (p + line < end) hwy::Prefetch(p + line);
  }
}

// Rows of y per unit of work handed to a thread: the VNNI GEMM packs weight
// panels of 16 rows, and a thread's share must be worth a wake-up.
inline constexpr int64_t kRowGrain = 16;

// y[:, row_begin:row_end] with the int8 VNNI kernels (ops/matmul_vnni.cc).
// Returns false, doing nothing, when the dispatched target has no VNNI
// kernel; the caller then runs the portable kernels of ops/matmul.cc.
bool VnniMatMulRows(const Operands& op, int64_t row_begin, int64_t row_end);

// True when the dispatched target has the VNNI kernels of kPanels matrices.
bool VnniPanelKernels();

}  // namespace edgereason::matmul_detail
