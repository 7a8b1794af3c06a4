// How a linear layer's weight is stored: plain floats or one of the quantized
// formats the matrix kernels read directly. The byte layout of each format is
// documented in tensor/weight_matrix.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace edgereason {

enum class WeightFormat : uint8_t {
  kF32,   // f32
  kBF16,  // bfloat16
  kQ8_0,  // blocks of 32 int8 with one fp16 scale per block
  kQ4_0,  // blocks of 32 int4 (offset by 8) with one fp16 scale per block
  kQ4_PC, // symmetric int4 with one f32 scale per output row
};

// Elements per quantization block of the block formats (kQ8_0, kQ4_0); also
// the packing unit of kQ4_PC. Block formats need cols % kQuantBlock == 0.
inline constexpr int64_t kQuantBlock = 32;

// The --dtype spelling: "f32", "bf16", "q8_0", "q4_0", "q4_pc".
std::string_view WeightFormatName(WeightFormat format);
std::optional<WeightFormat> WeightFormatFromName(std::string_view name);

// True for kQ8_0, kQ4_0 and kQ4_PC: the formats whose rows must be a whole
// number of kQuantBlock columns and whose products use int8 activations.
bool IsQuantized(WeightFormat format);

}  // namespace edgereason
