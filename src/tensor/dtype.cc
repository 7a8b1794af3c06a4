#include "tensor/dtype.h"

#include <array>
#include <cmath>
#include <utility>

namespace edgereason {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  int bits;
};

constexpr std::array<DTypeInfo, 16> kDTypes = {{
    {DType::kF64, "F64", 64},     {DType::kF32, "F32", 32},     {DType::kF16, "F16", 16},
    {DType::kBF16, "BF16", 16},   {DType::kI64, "I64", 64},     {DType::kI32, "I32", 32},
    {DType::kI16, "I16", 16},     {DType::kI8, "I8", 8},        {DType::kU64, "U64", 64},
    {DType::kU32, "U32", 32},     {DType::kU16, "U16", 16},     {DType::kU8, "U8", 8},
    {DType::kBool, "BOOL", 8},    {DType::kF8E4M3, "F8_E4M3", 8}, {DType::kF8E5M2, "F8_E5M2", 8},
    {DType::kF4, "F4", 4},
}};

}  // namespace

std::string_view DTypeName(DType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.name;
  }
  return "?";
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const auto& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  return std::nullopt;
}

int DTypeBits(DType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.bits;
  }
  return 0;
}

float F16ToF32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: value = mantissa * 2^-24
      float f = std::ldexp(static_cast<float>(mantissa), -24);
      return sign ? -f : f;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t F32ToF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // overflow (>= 65520 rounds to inf)
  if (abs < 0x38800000u) {                        // below the smallest normal half
    // Subnormal or zero: round abs / 2^-24 to the nearest integer (ties to even).
    float magnitude;
    std::memcpy(&magnitude, &abs, sizeof magnitude);
    float scaled = magnitude * 16777216.0f;  // 2^24
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return sign | static_cast<uint16_t>((rounded - 0x38000000u) >> 13);
}

}  // namespace edgereason
