// A linear layer's weight: `rows` outputs × `cols` inputs, row-major
// (the Hugging Face [out, in] layout, y = x Wᵀ), either borrowed from a
// memory-mapped checkpoint or owned.
//
// Ownership: `storage` keeps owned data (or the mapped file) alive; copies
// share it. Immutable after load, so safe to read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/dtype.h"

namespace edgereason {

struct WeightMatrix {
  DType dtype = DType::kF32;
  int64_t rows = 0;  // outputs
  int64_t cols = 0;  // inputs
  const void* data = nullptr;
  std::shared_ptr<const void> storage;

  const float* f32() const { return static_cast<const float*>(data); }
  const float* Row(int64_t r) const { return f32() + r * cols; }
  int64_t Bytes() const { return rows * cols * DTypeBits(dtype) / 8; }

  // Takes ownership of f32 values [rows, cols].
  static WeightMatrix FromF32(std::vector<float> values, int64_t rows, int64_t cols);
};

}  // namespace edgereason
