// Element types of tensors as stored in files and memory, and the scalar
// conversions between the 16-bit float formats and f32.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace edgereason {

enum class DType : uint8_t {
  kF64, kF32, kF16, kBF16,
  kI64, kI32, kI16, kI8,
  kU64, kU32, kU16, kU8,
  kBool,
  kF8E4M3, kF8E5M2,
  kF4,  // 4-bit float (two per byte); only parsed, never computed with
};

// The safetensors spelling ("F32", "BF16", ...).
std::string_view DTypeName(DType dtype);
std::optional<DType> DTypeFromName(std::string_view name);
// Size in bits of one element (4 for kF4).
int DTypeBits(DType dtype);

// IEEE half <-> float, round-to-nearest-even, with inf/nan/subnormals.
float F16ToF32(uint16_t h);
uint16_t F32ToF16(float f);

// bfloat16 is the top half of an f32.
inline float BF16ToF32(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
// Round-to-nearest-even; NaN stays NaN.
inline uint16_t F32ToBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

}  // namespace edgereason
