#include "tensor/weight_format.h"

#include <array>
#include <utility>

namespace edgereason {
namespace {

constexpr std::array<std::pair<WeightFormat, std::string_view>, 5> kNames = {{
    {WeightFormat::kF32, "f32"},
    {WeightFormat::kBF16, "bf16"},
    {WeightFormat::kQ8_0, "q8_0"},
    {WeightFormat::kQ4_0, "q4_0"},
    {WeightFormat::kQ4_PC, "q4_pc"},
}};

}  // namespace

std::string_view WeightFormatName(WeightFormat format) {
  for (const auto& [f, name] : kNames) {
    if (f == format) return name;
  }
  return "?";
}

std::optional<WeightFormat> WeightFormatFromName(std::string_view name) {
  for (const auto& [f, n] : kNames) {
    if (n == name) return f;
  }
  return std::nullopt;
}

bool IsQuantized(WeightFormat format) {
  return format == WeightFormat::kQ8_0 || format == WeightFormat::kQ4_0 ||
         format == WeightFormat::kQ4_PC;
}

}  // namespace edgereason
