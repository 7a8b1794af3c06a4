#include "ops/matmul.h"

namespace edgereason {

float DotF32(const float* a, const float* b, int64_t n) {
  // Eight independent partial sums: shorter dependency chains, and a summation
  // order close to the blocked one BLAS libraries use.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  for (int k = 0; i < n; ++i, ++k) acc[k] += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void MatMul(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y,
            ThreadPool& pool) {
  const int64_t rows = w.rows, cols = w.cols;
  pool.ParallelFor(rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* wr = w.Row(r);
      const float b = bias != nullptr ? bias[r] : 0.0f;
      for (int64_t i = 0; i < n; ++i) y[i * rows + r] = DotF32(x + i * cols, wr, cols) + b;
    }
  });
}

}  // namespace edgereason
