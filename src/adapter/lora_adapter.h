// PEFT LoRA adapters (adapter_config.json + adapter_model.safetensors),
// applied unmerged: y = W x (+ b) + scale · B (A x), so one base model serves
// any number of adapters and rows without them.
//
// Ownership and thread-safety: immutable after Load; shared between engines
// (std::shared_ptr<const LoraAdapter>) and safe to read from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensor/weight_format.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

// The linear layers of a decoder block an adapter can target.
enum class LinearSlot : int { kQ, kK, kV, kO, kGate, kUp, kDown };
inline constexpr int kNumLinearSlots = 7;
// PEFT module suffix of a slot: "self_attn.q_proj", ..., "mlp.down_proj".
const char* LinearSlotModuleName(LinearSlot slot);

// The base model's linear shapes an adapter must fit.
struct AdapterBaseShape {
  int64_t num_layers = 0;
  // [slot] = {out_features, in_features}
  std::array<std::pair<int64_t, int64_t>, kNumLinearSlots> linear;
};

// How the LoRA matrices are held in memory. kQ8_0 is the int8 option and
// kQ4_0 the 4-bit one (half the bytes a decoded token reads for the adapter,
// with 4-bit rounding error in A and B); a matrix whose columns are not a
// multiple of 32 (B when r % 32 != 0) falls back to bf16, the next smaller
// exact-enough format.
struct LoraLoadOptions {
  WeightFormat format = WeightFormat::kF32;  // kF32, kBF16, kQ8_0 or kQ4_0
};

// One adapted linear layer: A [r, in], B [out, r], and its scale
// (lora_alpha / r, or lora_alpha / sqrt(r) with rsLoRA).
struct LoraLinear {
  WeightMatrix a;
  WeightMatrix b;
  float scale = 1.0f;
  int64_t rank() const { return a.rows; }
};

class LoraAdapter {
 public:
  // Reads a PEFT adapter directory and checks it against the base shapes.
  // Rejects what edgereason does not implement (DoRA, modules_to_save, bias
  // training, fan_in_fan_out, embedding targets) instead of ignoring it.
  static Result<std::shared_ptr<const LoraAdapter>> Load(const std::string& dir,
                                                         const AdapterBaseShape& base,
                                                         const LoraLoadOptions& options = {});

  const std::string& dir() const { return dir_; }
  // The adapted layer, or null when (layer, slot) is not targeted.
  const LoraLinear* Find(int64_t layer, LinearSlot slot) const {
    const auto& p = layers_[layer][static_cast<int>(slot)];
    return p ? &*p : nullptr;
  }
  // aLoRA: the adapter activates at the last occurrence of these tokens in the
  // prompt (empty for ordinary LoRA).
  const std::vector<int32_t>& invocation_tokens() const { return invocation_tokens_; }
  int64_t NumParameters() const;
  // Bytes of every A and B matrix as held (values plus scales): what a token
  // decoded with the adapter reads on top of the base weights.
  int64_t Bytes() const;
  // A copy with the same targets, ranks, scales and invocation tokens but new
  // values: `values` holds, for every adapted (layer, slot) in layer-then-slot
  // order, A [r, in] then B [out, r] as f32. Lets a trainer refresh the
  // adapter an engine decodes with after each update, without files.
  Result<std::shared_ptr<const LoraAdapter>> WithWeights(
      const std::vector<std::vector<float>>& values) const;

 private:
  std::string dir_;
  std::vector<std::array<std::optional<LoraLinear>, kNumLinearSlots>> layers_;
  std::vector<int32_t> invocation_tokens_;
};

// PEFT's aLoRA rule: the start of the LAST occurrence of `invocation` in
// `prompt`, or nullopt when it does not occur (the adapter then stays off).
std::optional<int64_t> FindInvocationStart(const std::vector<int32_t>& prompt,
                                           const std::vector<int32_t>& invocation);

}  // namespace edgereason
