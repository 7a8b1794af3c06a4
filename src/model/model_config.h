// The architecture hyper-parameters of a Hugging Face checkpoint
// (config.json) and its generation defaults (generation_config.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

enum class Architecture { kQwen2, kLlama, kQwen3 };
const char* ArchitectureName(Architecture arch);

// Frequency scaling applied to RoPE (config.json "rope_scaling").
struct RopeScaling {
  enum class Kind { kNone, kLinear, kLlama3 };
  Kind kind = Kind::kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0;   // llama3
  double high_freq_factor = 4.0;  // llama3
  int64_t original_max_position_embeddings = 8192;  // llama3
};

struct ModelConfig {
  Architecture architecture = Architecture::kQwen2;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;  // explicit in Qwen3 configs, hidden/heads otherwise
  int64_t max_position_embeddings = 0;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;      // Qwen2 always; Llama/Qwen3 when attention_bias
  bool o_bias = false;        // Llama attention_bias also covers o_proj
  bool mlp_bias = false;      // Llama mlp_bias
  bool qk_norm = false;       // Qwen3: RMSNorm over each head of q and k
  std::vector<int32_t> eos_token_ids;
  std::optional<int32_t> bos_token_id;

  int64_t q_dim() const { return num_heads * head_dim; }
  int64_t kv_dim() const { return num_kv_heads * head_dim; }
};

// Parses config.json text; `origin` names the file in errors. Every field is
// range-checked; anything the engine does not implement (another
// architecture, activation or rope type, sliding-window attention) is
// rejected rather than silently ignored.
Result<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& origin);
Result<ModelConfig> LoadModelConfig(const std::string& model_dir);

// Sampling defaults and stop tokens from generation_config.json.
struct GenerationConfig {
  std::vector<int32_t> eos_token_ids;
  std::optional<int32_t> bos_token_id;
  std::optional<int32_t> pad_token_id;
  bool do_sample = false;
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  double min_p = 0.0;
  double repetition_penalty = 1.0;
  std::optional<int64_t> max_new_tokens;
};

Result<GenerationConfig> ParseGenerationConfig(const std::string& json_text,
                                               const std::string& origin);
// Reads generation_config.json if the directory has one; otherwise defaults
// with the eos ids of `model`.
Result<GenerationConfig> LoadGenerationConfig(const std::string& model_dir,
                                              const ModelConfig& model);

}  // namespace edgereason
