// Trainable LoRA weights in libtorch, saved and loaded in PEFT's format
// (adapter_config.json + adapter_model.safetensors) — the files the runtime's
// LoraAdapter and PEFT read.
#pragma once
#include <torch/types.h>

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "adapter/lora_adapter.h"
#include "base/status.h"
#include "model/model_config.h"

namespace edgereason::train {

struct LoraSpec {
  int64_t rank = 8;
  double alpha = 16;
  bool rslora = false;    // scale alpha / sqrt(rank) instead of alpha / rank
  double dropout = 0.0;   // on the adapter's input, training only
  // Short module names: q_proj k_proj v_proj o_proj gate_proj up_proj down_proj.
  std::vector<std::string> targets = {"q_proj", "k_proj", "v_proj", "o_proj",
                                      "gate_proj", "up_proj", "down_proj"};
};

struct LoraLinearWeights {
  torch::Tensor a;  // [r, in]
  torch::Tensor b;  // [out, r]
  double scale = 1.0;
};

class LoraWeights {
 public:
  // A fresh adapter as PEFT initialises one: A ~ U(-1/sqrt(in), 1/sqrt(in))
  // (kaiming-uniform with a = sqrt(5)), B = 0, so it starts as the base.
  static Result<LoraWeights> Create(const ModelConfig& config, const LoraSpec& spec,
                                    uint64_t seed);
  // Reads a PEFT directory through the runtime's loader, which checks it
  // against the base model (a mismatch is a clear error).
  static Result<LoraWeights> Load(const std::string& dir, const ModelConfig& config);
  // Writes adapter_model.safetensors (F32) and adapter_config.json.
  Status Save(const std::string& dir) const;

  const LoraLinearWeights* Find(int64_t layer, LinearSlot slot) const {
    const auto& p = layers_[layer][static_cast<int>(slot)];
    return p ? &*p : nullptr;
  }
  double dropout() const { return dropout_; }
  void set_dropout(double p) { dropout_ = p; }
  // A then B of every adapted layer, layer by layer in LinearSlot order: the
  // order LoraAdapter::WithWeights expects.
  std::vector<torch::Tensor> Parameters() const;
  std::vector<std::vector<float>> ValuesForRuntime() const;
  // A detached copy (e.g. the frozen reference policy of GRPO).
  LoraWeights Clone() const;
  void SetRequiresGrad(bool requires_grad);

 private:
  std::vector<std::array<std::optional<LoraLinearWeights>, kNumLinearSlots>> layers_;
  double dropout_ = 0.0;
  nlohmann::ordered_json peft_config_;
};

}  // namespace edgereason::train
