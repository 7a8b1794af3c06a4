// Writes PEFT LoRA adapters with random weights for a given base, for
// benchmarks and tests that need an adapter of a chosen rank.
#pragma once

#include <string>
#include <vector>

#include "adapter/lora_adapter.h"
#include "base/status.h"

namespace edgereason {

struct RandomAdapterSpec {
  int64_t rank = 16;
  double alpha = 32;
  bool rslora = false;
  // Modules to adapt (PEFT target_modules); default all seven linear layers.
  std::vector<std::string> targets = {"q_proj", "k_proj", "v_proj", "o_proj",
                                      "gate_proj", "up_proj", "down_proj"};
  double a_std = 0.02, b_std = 0.02;  // B is random too, so the adapter changes outputs
  std::vector<int32_t> invocation_tokens;  // aLoRA, empty for plain LoRA
};

// Writes adapter_config.json and adapter_model.safetensors (F32) into `dir`.
Status WriteRandomAdapter(const RandomAdapterSpec& spec, const AdapterBaseShape& base,
                          uint64_t seed, const std::string& dir);

}  // namespace edgereason
