#include "tensor/quantize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tensor/weight_panels.h"

namespace edgereason {
namespace {

// One owned allocation holding the quantized values followed by the scales.
struct Allocation {
  std::shared_ptr<std::vector<uint8_t>> bytes;
  uint8_t* values = nullptr;
  uint8_t* scales = nullptr;
};

Allocation Allocate(int64_t value_bytes, int64_t scale_bytes) {
  Allocation a;
  a.bytes = std::make_shared<std::vector<uint8_t>>(value_bytes + scale_bytes);
  a.values = a.bytes->data();
  a.scales = a.bytes->data() + value_bytes;
  return a;
}

WeightMatrix Describe(WeightFormat format, int64_t rows, int64_t cols, const Allocation& a,
                      bool has_scales) {
  WeightMatrix m;
  m.format = format;
  // The element type of `data`, for code that still reads dtype.
  m.dtype = format == WeightFormat::kF32    ? DType::kF32
            : format == WeightFormat::kBF16 ? DType::kBF16
            : format == WeightFormat::kQ8_0 ? DType::kI8
                                            : DType::kU8;
  m.rows = rows;
  m.cols = cols;
  m.data = a.values;
  m.scales = has_scales ? a.scales : nullptr;
  m.storage = std::shared_ptr<const void>(a.bytes, a.bytes->data());
  return m;
}

// The fp16 scale that will be stored, and its f32 value used for rounding.
struct Scale {
  uint16_t bits;
  float value;
};
Scale Fp16Scale(float scale) {
  const uint16_t bits = F32ToF16(scale);
  return {bits, F16ToF32(bits)};
}

int RoundToInt(float x) { return static_cast<int>(std::round(x)); }

void QuantizeQ8_0Row(const float* x, int64_t cols, int8_t* q, uint16_t* scales) {
  for (int64_t b = 0; b < cols / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f;
    for (int64_t j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const Scale s = Fp16Scale(amax / 127.0f);
    scales[b] = s.bits;
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      const int v = s.value == 0.0f ? 0 : RoundToInt(xb[j] / s.value);
      q[b * kQuantBlock + j] = static_cast<int8_t>(std::clamp(v, -127, 127));
    }
  }
}

// Packs 32 nibbles u[0..31] into 16 bytes: low nibble j, high nibble j + 16.
void PackNibbles(const int* u, uint8_t* out) {
  for (int j = 0; j < 16; ++j) out[j] = static_cast<uint8_t>(u[j] | (u[j + 16] << 4));
}

void QuantizeQ4_0Row(const float* x, int64_t cols, uint8_t* q, uint16_t* scales) {
  for (int64_t b = 0; b < cols / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f, extreme = 0.0f;
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      if (std::fabs(xb[j]) > amax) {
        amax = std::fabs(xb[j]);
        extreme = xb[j];
      }
    }
    const Scale s = Fp16Scale(extreme / -8.0f);
    scales[b] = s.bits;
    int u[kQuantBlock];
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      const int v = s.value == 0.0f ? 0 : RoundToInt(xb[j] / s.value);
      u[j] = std::clamp(v + 8, 0, 15);
    }
    PackNibbles(u, q + b * kQuantBlock / 2);
  }
}

void QuantizeQ4_PCRow(const float* x, int64_t cols, uint8_t* q, float* scale) {
  float amax = 0.0f;
  for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(x[c]));
  *scale = amax / 7.0f;
  for (int64_t b = 0; b < cols / kQuantBlock; ++b) {
    int u[kQuantBlock];
    for (int64_t j = 0; j < kQuantBlock; ++j) {
      const int v = *scale == 0.0f ? 0 : RoundToInt(x[b * kQuantBlock + j] / *scale);
      u[j] = std::clamp(v, -7, 7) + 8;
    }
    PackNibbles(u, q + b * kQuantBlock / 2);
  }
}

void DecodeNibbles(const uint8_t* packed, float scale, float* out) {
  for (int j = 0; j < 16; ++j) {
    out[j] = static_cast<float>((packed[j] & 0x0f) - 8) * scale;
    out[j + 16] = static_cast<float>((packed[j] >> 4) - 8) * scale;
  }
}

}  // namespace

Result<WeightMatrix> QuantizeWeights(const float* values, int64_t rows, int64_t cols,
                                     WeightFormat target) {
  const std::string what = "cannot convert a [" + std::to_string(rows) + ", " +
                           std::to_string(cols) + "] matrix to " +
                           std::string(WeightFormatName(target));
  if (rows < 0 || cols < 0) return InvalidArgument(what + ": negative shape");
  if (IsQuantized(target) && cols % kQuantBlock != 0) {
    return InvalidArgument(what + ": cols " + std::to_string(cols) + " is not a multiple of " +
                           std::to_string(kQuantBlock));
  }
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (!std::isfinite(values[i])) {
      return InvalidArgument(what + ": element [" + std::to_string(i / cols) + ", " +
                             std::to_string(i % cols) + "] is not finite");
    }
  }
  const int64_t blocks = rows * (cols / kQuantBlock);
  switch (target) {
    case WeightFormat::kF32: {
      Allocation a = Allocate(rows * cols * 4, 0);
      std::copy_n(values, rows * cols, reinterpret_cast<float*>(a.values));
      return Describe(target, rows, cols, a, false);
    }
    case WeightFormat::kBF16: {
      Allocation a = Allocate(rows * cols * 2, 0);
      auto* out = reinterpret_cast<uint16_t*>(a.values);
      for (int64_t i = 0; i < rows * cols; ++i) out[i] = F32ToBF16(values[i]);
      return Describe(target, rows, cols, a, false);
    }
    case WeightFormat::kQ8_0: {
      Allocation a = Allocate(rows * cols, blocks * 2);
      for (int64_t r = 0; r < rows; ++r) {
        QuantizeQ8_0Row(values + r * cols, cols, reinterpret_cast<int8_t*>(a.values) + r * cols,
                        reinterpret_cast<uint16_t*>(a.scales) + r * (cols / kQuantBlock));
      }
      return Describe(target, rows, cols, a, true);
    }
    case WeightFormat::kQ4_0: {
      Allocation a = Allocate(rows * cols / 2, blocks * 2);
      for (int64_t r = 0; r < rows; ++r) {
        QuantizeQ4_0Row(values + r * cols, cols, a.values + r * cols / 2,
                        reinterpret_cast<uint16_t*>(a.scales) + r * (cols / kQuantBlock));
      }
      return Describe(target, rows, cols, a, true);
    }
    case WeightFormat::kQ4_PC: {
      Allocation a = Allocate(rows * cols / 2, rows * 4);
      for (int64_t r = 0; r < rows; ++r) {
        QuantizeQ4_PCRow(values + r * cols, cols, a.values + r * cols / 2,
                         reinterpret_cast<float*>(a.scales) + r);
      }
      return Describe(target, rows, cols, a, true);
    }
  }
  return InvalidArgument(what + ": unknown format");
}

void DequantizeRow(const WeightMatrix& w, int64_t row, float* out) {
  const int64_t cols = w.cols;
  const int64_t nb = w.blocks_per_row();
  switch (w.format) {
    case WeightFormat::kF32:
      std::copy_n(w.Row(row), cols, out);
      return;
    case WeightFormat::kBF16:
      for (int64_t c = 0; c < cols; ++c) out[c] = BF16ToF32(w.bf16()[row * cols + c]);
      return;
    case WeightFormat::kQ8_0:
    case WeightFormat::kQ4_0:
    case WeightFormat::kQ4_PC:
      // Block by block through ReadBlock, which reads either layout.
      for (int64_t b = 0; b < nb; ++b) {
        uint8_t bytes[kQuantBlock];
        uint16_t scale_bits = 0;
        ReadBlock(w, row, b, bytes, &scale_bits);
        float* o = out + b * kQuantBlock;
        if (w.format == WeightFormat::kQ8_0) {
          const float scale = F16ToF32(scale_bits);
          for (int64_t j = 0; j < kQuantBlock; ++j) o[j] = static_cast<int8_t>(bytes[j]) * scale;
        } else {
          DecodeNibbles(bytes,
                        w.format == WeightFormat::kQ4_0 ? F16ToF32(scale_bits) : w.row_scales()[row],
                        o);
        }
      }
      return;
  }
}

}  // namespace edgereason
