// The decoder (Qwen2, Llama incl. llama3 rope scaling, Qwen3) in libtorch, for
// training: the same Hugging Face checkpoints the runtime loads, the same
// math (RMSNorm, rotate-half RoPE, GQA, SwiGLU), and LoRA applied per
// position so that masked LoRA (adapter off on the prompt) is one pass.
//
// Parameters are plain tensors named as in the checkpoint; whoever trains
// them sets requires_grad. Forward is pure: no state is kept between calls.
#pragma once
#include <torch/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapter/lora_adapter.h"
#include "base/status.h"
#include "model/model_config.h"
#include "tensor/weight_format.h"

namespace edgereason::train {

class LoraWeights;

struct TorchLayer {
  torch::Tensor input_norm, post_attn_norm;  // [H]
  torch::Tensor q_norm, k_norm;              // [head_dim], Qwen3 only (else undefined)
  std::array<torch::Tensor, kNumLinearSlots> weight;  // [out, in] per LinearSlot
  std::array<torch::Tensor, kNumLinearSlots> bias;    // [out] or undefined
};

class TorchModel {
 public:
  // Loads a checkpoint directory through the runtime's loader (so the same
  // files are accepted and rejected). With `base_format` q4_0 / q4_pc / q8_0
  // every matrix is quantized as the runtime would and decoded back to f32:
  // an adapter trained on that base is trained on what the quantized runtime
  // computes with (QAMR).
  static Result<TorchModel> Load(const std::string& dir,
                                 std::optional<WeightFormat> base_format = std::nullopt);

  const ModelConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }
  // Every parameter, named as in the checkpoint; a tied LM head appears once
  // (as the embedding).
  const std::vector<std::pair<std::string, torch::Tensor>>& named_parameters() const {
    return named_;
  }
  std::vector<torch::Tensor> Parameters() const;
  void SetRequiresGrad(bool requires_grad);
  // Writes the parameters as model.safetensors (F32) into `dir`, atomically.
  Status SaveWeights(const std::string& dir) const;

  torch::Tensor embed;       // [V, H]
  torch::Tensor lm_head;     // [V, H]; the same tensor as embed when tied
  torch::Tensor final_norm;  // [H]
  std::vector<TorchLayer> layers;
  torch::Tensor rope_inv_freq;  // [head_dim / 2], scaled as transformers does

 private:
  ModelConfig config_;
  std::string dir_;
  std::vector<std::pair<std::string, torch::Tensor>> named_;
};

// Where the adapter applies: `lora` null means base weights everywhere;
// `mask` [B, T] (float 0/1) switches it per position (undefined: on
// everywhere). Dropout on the adapter's input is drawn from `generator` when
// training.
struct AdapterUse {
  const LoraWeights* lora = nullptr;
  torch::Tensor mask;
  bool training = false;
  c10::optional<at::Generator> generator;
};

struct ForwardResult {
  torch::Tensor logits;        // [B, T, V] f32
  torch::Tensor final_hidden;  // [B, T, H] f32, after the final norm
};

// Causal forward over ids [B, T] (int64) at positions 0..T-1. Sequences of a
// batch are right-padded: padding only follows real tokens, so it never
// changes them. `compute` is kFloat32 or kBFloat16 (matrix products in bf16,
// norms, softmax and the residual stream in f32).
ForwardResult Forward(const TorchModel& model, const torch::Tensor& ids, const AdapterUse& adapter,
                      torch::ScalarType compute = torch::kFloat32, bool want_logits = true);

// Log-probabilities of targets [B, T] (int64) under logits [B, T, V]: [B, T].
torch::Tensor TokenLogProbs(const torch::Tensor& logits, const torch::Tensor& targets);

// torch calls throw c10::Error; this turns any exception of `body` into a
// Status naming `what` was being done.
template <typename Fn>
Status CatchTorch(const std::string& what, Fn&& body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    return Internal(what + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal(what + ": " + e.what());
  }
}

}  // namespace edgereason::train
