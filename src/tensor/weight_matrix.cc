#include "tensor/weight_matrix.h"

namespace edgereason {

WeightMatrix WeightMatrix::FromF32(std::vector<float> values, int64_t rows, int64_t cols) {
  auto owned = std::make_shared<std::vector<float>>(std::move(values));
  WeightMatrix m;
  m.dtype = DType::kF32;
  m.rows = rows;
  m.cols = cols;
  m.data = owned->data();
  m.storage = std::shared_ptr<const void>(owned, owned->data());
  return m;
}

}  // namespace edgereason
