#include "model/tensor_loader.h"

#include <cstring>

#include "base/file.h"
#include "ops/matmul.h"
#include "tensor/quantize.h"

namespace edgereason {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool IsFloat(DType d) { return d == DType::kF32 || d == DType::kF16 || d == DType::kBF16; }

std::vector<float> Widen(const SafetensorsTensor& t) {
  const int64_t n = t.NumElements();
  std::vector<float> out(n);
  const uint8_t* p = t.data.data();
  for (int64_t i = 0; i < n; ++i) {
    if (t.dtype == DType::kF32) {
      std::memcpy(&out[i], p + 4 * i, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = t.dtype == DType::kF16 ? F16ToF32(h) : BF16ToF32(h);
    }
  }
  return out;
}

bool Aligned(const void* p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

}  // namespace

TensorLoader::TensorLoader(std::shared_ptr<const SafetensorsCheckpoint> checkpoint,
                           std::string dir)
    : checkpoint_(std::move(checkpoint)), dir_(std::move(dir)) {
  for (const SafetensorsFile& file : checkpoint_->files()) {
    auto it = file.metadata().find(kWeightFormatKey);
    if (it != file.metadata().end()) stored_format_ = WeightFormatFromName(it->second);
  }
}

Result<const SafetensorsTensor*> TensorLoader::Find(const std::string& name,
                                                    const std::vector<int64_t>& shape) const {
  const SafetensorsTensor* t = checkpoint_->Find(name);
  if (t == nullptr) return NotFound(dir_ + ": checkpoint has no tensor '" + name + "'");
  if (t->shape != shape) {
    return CorruptData(dir_ + ": tensor '" + name + "' has shape " + ShapeText(t->shape) +
                       " but config.json implies " + ShapeText(shape));
  }
  if (!IsFloat(t->dtype)) {
    return Unsupported(dir_ + ": tensor '" + name + "' has dtype " +
                       std::string(DTypeName(t->dtype)) + " (supported: F32, F16, BF16)");
  }
  return t;
}

Result<std::vector<float>> TensorLoader::Vector(const std::string& name, int64_t size) const {
  ER_ASSIGN_OR_RETURN(const SafetensorsTensor* t, Find(name, {size}));
  return Widen(*t);
}

Result<WeightMatrix> TensorLoader::Borrow(const SafetensorsTensor& t, int64_t rows, int64_t cols,
                                          WeightFormat format, const void* scales) const {
  WeightMatrix m;
  m.format = format;
  m.dtype = format == WeightFormat::kF32 ? DType::kF32 : t.dtype;
  m.rows = rows;
  m.cols = cols;
  m.data = t.data.data();
  m.scales = scales;
  m.storage = checkpoint_;
  return m;
}

Result<WeightMatrix> TensorLoader::Matrix(const std::string& name, int64_t rows, int64_t cols,
                                          WeightFormat format) const {
  bool borrowed = false;
  ER_ASSIGN_OR_RETURN(WeightMatrix m, RowMajorMatrix(name, rows, cols, format, &borrowed));
  WeightMatrix packed = InPreferredLayout(m);
  if (borrowed && packed.layout != m.layout) {
    DropMappedPages(m.data, static_cast<size_t>(m.Bytes() - m.ScaleBytes()));
    DropMappedPages(m.scales, static_cast<size_t>(m.ScaleBytes()));
  }
  return packed;
}

Result<WeightMatrix> TensorLoader::RowMajorMatrix(const std::string& name, int64_t rows,
                                                  int64_t cols, WeightFormat format,
                                                  bool* borrowed) const {
  *borrowed = false;
  const SafetensorsTensor* scales = checkpoint_->Find(name + kScalesSuffix);
  if (stored_format_ && scales != nullptr) {
    // A matrix quantized by `edgereason quantize`: used as stored.
    const WeightFormat stored = *stored_format_;
    if (stored != format) {
      return InvalidArgument(dir_ + ": tensor '" + name + "' is stored as " +
                             std::string(WeightFormatName(stored)) + " and cannot be run as " +
                             std::string(WeightFormatName(format)) +
                             " (requantizing would compound the error; quantize the original)");
    }
    const SafetensorsTensor* values = checkpoint_->Find(name);
    const bool q8 = stored == WeightFormat::kQ8_0;
    const std::vector<int64_t> values_shape = {rows, q8 ? cols : cols / 2};
    const std::vector<int64_t> scales_shape =
        stored == WeightFormat::kQ4_PC ? std::vector<int64_t>{rows}
                                       : std::vector<int64_t>{rows, cols / kQuantBlock};
    const DType values_dtype = q8 ? DType::kI8 : DType::kU8;
    const DType scales_dtype = stored == WeightFormat::kQ4_PC ? DType::kF32 : DType::kF16;
    if (values == nullptr || values->dtype != values_dtype || values->shape != values_shape ||
        scales->dtype != scales_dtype || scales->shape != scales_shape || cols % kQuantBlock != 0) {
      return CorruptData(dir_ + ": quantized tensor '" + name + "' or its scales do not have the " +
                         std::string(WeightFormatName(stored)) + " layout for [" +
                         std::to_string(rows) + ", " + std::to_string(cols) + "]");
    }
    if (!Aligned(scales->data.data(), DTypeBits(scales_dtype) / 8)) {
      return CorruptData(dir_ + ": scales of '" + name + "' are misaligned in the file");
    }
    *borrowed = true;
    return Borrow(*values, rows, cols, stored, scales->data.data());
  }

  ER_ASSIGN_OR_RETURN(const SafetensorsTensor* t, Find(name, {rows, cols}));
  if (format == WeightFormat::kF32 && t->dtype == DType::kF32 && Aligned(t->data.data(), 4)) {
    *borrowed = true;
    return Borrow(*t, rows, cols, format, nullptr);
  }
  if (format == WeightFormat::kBF16 && t->dtype == DType::kBF16 && Aligned(t->data.data(), 2)) {
    *borrowed = true;
    return Borrow(*t, rows, cols, format, nullptr);
  }
  // Convert through one temporary f32 copy of this tensor only.
  std::vector<float> values = Widen(*t);
  if (format == WeightFormat::kF32) return WeightMatrix::FromF32(std::move(values), rows, cols);
  auto quantized = QuantizeWeights(values.data(), rows, cols, format);
  if (!quantized.ok()) {
    return InvalidArgument(dir_ + ": tensor '" + name + "' cannot be stored as " +
                           std::string(WeightFormatName(format)) + ": " +
                           quantized.status().message());
  }
  return quantized;
}

}  // namespace edgereason
