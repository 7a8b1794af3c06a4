// `edgereason-train logits`: the trainer's forward pass on given ids, written
// like the runtime's `edgereason logits` (F32 "logits" [L, V] and
// "final_hidden" [H]), so both can be compared with each other and with the
// Hugging Face fixtures.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason::train {

struct LogitsOptions {
  std::string model_dir;
  std::string lora_dir;                  // empty: base model
  std::optional<int64_t> lora_start;     // adapter on from this position (masked LoRA)
  std::vector<int32_t> ids;
  std::string out_path;
  std::string base_format;               // "" (f32) or q8_0 / q4_0 / q4_pc (fake-quantized base)
  bool bf16 = false;
};

Status RunLogits(const LogitsOptions& options);

}  // namespace edgereason::train
