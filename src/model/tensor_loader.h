// Reads a model's tensors out of its safetensors checkpoint: shape checks that
// name the tensor and the file, widening of F16/BF16 vectors, and weight
// matrices in the format the engine runs (borrowed from the map when the
// stored bytes already are that format, converted otherwise).
//
// Quantized checkpoints written by `edgereason quantize` carry the metadata
// key kWeightFormatKey; each quantized matrix NAME is stored as its values
// (I8 [rows, cols] for q8_0, U8 [rows, cols/2] for q4_0/q4_pc) plus
// NAME + kScalesSuffix (F16 [rows, cols/32] block scales, or F32 [rows] for
// q4_pc), in the layouts of tensor/weight_matrix.h, and load without copying.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/safetensors.h"
#include "tensor/weight_format.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

inline constexpr const char* kWeightFormatKey = "edgereason.weight_format";
inline constexpr const char* kScalesSuffix = ".scales";

class TensorLoader {
 public:
  TensorLoader(std::shared_ptr<const SafetensorsCheckpoint> checkpoint, std::string dir);

  bool Has(const std::string& name) const { return checkpoint_->Find(name) != nullptr; }
  // The format of the checkpoint's quantized matrices, when it has any.
  std::optional<WeightFormat> stored_format() const { return stored_format_; }

  // An f32 vector (norm weights, biases) of `size` elements.
  Result<std::vector<float>> Vector(const std::string& name, int64_t size) const;
  // A [rows, cols] matrix in `format`, in the layout the matrix kernels of
  // this CPU read fastest (PreferredWeightLayout: quantized matrices are
  // repacked into 16-row panels where the int8 panel kernels run, and the
  // file pages they came from are given back).
  Result<WeightMatrix> Matrix(const std::string& name, int64_t rows, int64_t cols,
                              WeightFormat format) const;

 private:
  Result<const SafetensorsTensor*> Find(const std::string& name,
                                        const std::vector<int64_t>& shape) const;
  // Matrix in the kRows layout; `borrowed` tells whether it points into the
  // file map.
  Result<WeightMatrix> RowMajorMatrix(const std::string& name, int64_t rows, int64_t cols,
                                      WeightFormat format, bool* borrowed) const;
  Result<WeightMatrix> Borrow(const SafetensorsTensor& t, int64_t rows, int64_t cols,
                              WeightFormat format, const void* scales) const;

  std::shared_ptr<const SafetensorsCheckpoint> checkpoint_;
  std::string dir_;
  std::optional<WeightFormat> stored_format_;
};

}  // namespace edgereason
