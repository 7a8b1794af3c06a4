#include "tensor/weight_matrix.h"

namespace edgereason {

int64_t WeightMatrix::Bytes() const {
  const int64_t elements = rows * cols;
  switch (format) {
    case WeightFormat::kF32:
      return elements * 4;
    case WeightFormat::kBF16:
      return elements * 2;
    case WeightFormat::kQ8_0:
      return elements + rows * blocks_per_row() * 2;
    case WeightFormat::kQ4_0:
      return elements / 2 + rows * blocks_per_row() * 2;
    case WeightFormat::kQ4_PC:
      return elements / 2 + rows * 4;
  }
  return 0;
}

int64_t WeightMatrix::ScaleBytes() const {
  switch (format) {
    case WeightFormat::kQ8_0:
    case WeightFormat::kQ4_0:
      return rows * blocks_per_row() * 2;
    case WeightFormat::kQ4_PC:
      return rows * 4;
    default:
      return 0;
  }
}

WeightMatrix WeightMatrix::FromF32(std::vector<float> values, int64_t rows, int64_t cols) {
  auto owned = std::make_shared<std::vector<float>>(std::move(values));
  WeightMatrix m;
  m.format = WeightFormat::kF32;
  m.dtype = DType::kF32;
  m.rows = rows;
  m.cols = cols;
  m.data = owned->data();
  m.storage = std::shared_ptr<const void>(owned, owned->data());
  return m;
}

}  // namespace edgereason
