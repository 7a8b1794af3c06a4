// A loaded causal language model: configuration plus read-only weights.
//
// Ownership and thread-safety: a Model is immutable after Load and is shared
// (std::shared_ptr<const Model>) by every engine, session and adapter that
// runs on it; weights borrowed from the memory-mapped checkpoint keep the map
// alive through WeightMatrix::storage.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter/lora_adapter.h"
#include "base/status.h"
#include "model/model_config.h"
#include "tensor/weight_format.h"
#include "tensor/weight_matrix.h"

namespace edgereason {

struct LayerWeights {
  std::vector<float> input_norm;      // [hidden]
  std::vector<float> post_attn_norm;  // [hidden]
  std::vector<float> q_norm, k_norm;  // [head_dim], Qwen3 only
  WeightMatrix q, k, v, o;            // [q_dim, hidden], [kv_dim, hidden] ×2, [hidden, q_dim]
  std::vector<float> q_bias, k_bias, v_bias, o_bias;  // empty when absent
  WeightMatrix gate, up, down;        // [inter, hidden] ×2, [hidden, inter]
  std::vector<float> gate_bias, up_bias, down_bias;   // Llama mlp_bias only
};

struct ModelLoadOptions {
  // Format of every linear layer, the LM head and the embedding table;
  // unset: the checkpoint's own quantized format, else f32 (the fidelity
  // reference path).
  std::optional<WeightFormat> weight_format;
};

class Model {
 public:
  // Loads config.json, generation_config.json (optional) and the safetensors
  // weights (single file or shards) of a Hugging Face model directory.
  // Weights already in the requested format are borrowed from the map;
  // others are converted one tensor at a time, so no full f32 copy of the
  // model is ever held.
  static Result<std::shared_ptr<const Model>> Load(const std::string& dir,
                                                   const ModelLoadOptions& options = {});

  const ModelConfig& config() const { return config_; }
  const GenerationConfig& generation_config() const { return generation_config_; }
  const std::string& dir() const { return dir_; }
  WeightFormat weight_format() const { return weight_format_; }

  const WeightMatrix& embedding() const { return embedding_; }  // [vocab, hidden]
  const WeightMatrix& lm_head() const { return lm_head_; }      // [vocab, hidden]
  const std::vector<float>& final_norm() const { return final_norm_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }
  // RoPE inverse frequencies [head_dim / 2] after frequency scaling.
  const std::vector<float>& rope_inv_freq() const { return rope_inv_freq_; }

  // The linear shapes a LoRA adapter for this model must have.
  AdapterBaseShape adapter_shape() const;

  // Bytes of weight data (matrices) the model holds; a decode step reads all of
  // it but the embedding table (one row per token).
  int64_t WeightBytes() const;

 private:
  std::string dir_;
  WeightFormat weight_format_ = WeightFormat::kF32;
  ModelConfig config_;
  GenerationConfig generation_config_;
  WeightMatrix embedding_;
  WeightMatrix lm_head_;
  std::vector<float> final_norm_;
  std::vector<LayerWeights> layers_;
  std::vector<float> rope_inv_freq_;
};

// The linear shapes a LoRA adapter for a model of this config must have.
AdapterBaseShape AdapterShapeOf(const ModelConfig& config);

// The RoPE inverse frequencies of a config, with none/linear/llama3 scaling
// computed as transformers does (in f32).
std::vector<float> RopeInverseFrequencies(const ModelConfig& config);

}  // namespace edgereason
