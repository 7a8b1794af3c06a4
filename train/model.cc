#include "train/model.h"

#include <torch/torch.h>

#include <cmath>

#include "io/safetensors.h"
#include "model/model.h"
#include "tensor/quantize.h"
#include "train/lora.h"

namespace edgereason::train {
namespace {

torch::Tensor FromVector(const std::vector<float>& v) {
  if (v.empty()) return {};
  return torch::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())},
                          torch::kFloat32)
      .clone();
}

// [rows, cols] f32, decoded from whatever format the runtime holds.
torch::Tensor FromMatrix(const WeightMatrix& w) {
  torch::Tensor t = torch::empty({w.rows, w.cols}, torch::kFloat32);
  float* out = t.data_ptr<float>();
  for (int64_t r = 0; r < w.rows; ++r) DequantizeRow(w, r, out + r * w.cols);
  return t;
}

// HF RMSNorm: x · rsqrt(mean(x²) + eps) · w, in f32.
torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * w;
}

torch::Tensor RotateHalf(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

}  // namespace

Result<TorchModel> TorchModel::Load(const std::string& dir,
                                    std::optional<WeightFormat> base_format) {
  ModelLoadOptions options;
  options.weight_format = base_format.value_or(WeightFormat::kF32);
  ER_ASSIGN_OR_RETURN(std::shared_ptr<const Model> runtime, Model::Load(dir, options));
  TorchModel m;
  m.dir_ = dir;
  m.config_ = runtime->config();
  const ModelConfig& c = m.config_;
  Status st = CatchTorch("loading " + dir + " into libtorch", [&]() -> Status {
    m.embed = FromMatrix(runtime->embedding());
    m.named_.push_back({"model.embed_tokens.weight", m.embed});
    static const char* kSlotNames[kNumLinearSlots] = {"self_attn.q_proj", "self_attn.k_proj",
                                                      "self_attn.v_proj", "self_attn.o_proj",
                                                      "mlp.gate_proj",    "mlp.up_proj",
                                                      "mlp.down_proj"};
    for (int64_t l = 0; l < c.num_layers; ++l) {
      const LayerWeights& src = runtime->layers()[l];
      TorchLayer layer;
      const std::string p = "model.layers." + std::to_string(l) + ".";
      layer.input_norm = FromVector(src.input_norm);
      layer.post_attn_norm = FromVector(src.post_attn_norm);
      m.named_.push_back({p + "input_layernorm.weight", layer.input_norm});
      m.named_.push_back({p + "post_attention_layernorm.weight", layer.post_attn_norm});
      const WeightMatrix* mats[kNumLinearSlots] = {&src.q, &src.k, &src.v, &src.o,
                                                   &src.gate, &src.up, &src.down};
      const std::vector<float>* biases[kNumLinearSlots] = {
          &src.q_bias, &src.k_bias, &src.v_bias, &src.o_bias,
          &src.gate_bias, &src.up_bias, &src.down_bias};
      for (int s = 0; s < kNumLinearSlots; ++s) {
        layer.weight[s] = FromMatrix(*mats[s]);
        m.named_.push_back({p + kSlotNames[s] + ".weight", layer.weight[s]});
        layer.bias[s] = FromVector(*biases[s]);
        if (layer.bias[s].defined()) m.named_.push_back({p + kSlotNames[s] + ".bias", layer.bias[s]});
      }
      if (c.qk_norm) {
        layer.q_norm = FromVector(src.q_norm);
        layer.k_norm = FromVector(src.k_norm);
        m.named_.push_back({p + "self_attn.q_norm.weight", layer.q_norm});
        m.named_.push_back({p + "self_attn.k_norm.weight", layer.k_norm});
      }
      m.layers.push_back(std::move(layer));
    }
    m.final_norm = FromVector(runtime->final_norm());
    m.named_.push_back({"model.norm.weight", m.final_norm});
    if (c.tie_word_embeddings) {
      m.lm_head = m.embed;
    } else {
      m.lm_head = FromMatrix(runtime->lm_head());
      m.named_.push_back({"lm_head.weight", m.lm_head});
    }
    m.rope_inv_freq = FromVector(runtime->rope_inv_freq());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return m;
}

std::vector<torch::Tensor> TorchModel::Parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [name, t] : named_) out.push_back(t);
  return out;
}

void TorchModel::SetRequiresGrad(bool requires_grad) {
  for (auto& [name, t] : named_) t.requires_grad_(requires_grad);
}

Status TorchModel::SaveWeights(const std::string& dir) const {
  std::vector<torch::Tensor> contiguous;
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, t] : named_) {
    contiguous.push_back(t.detach().to(torch::kFloat32).contiguous());
    const torch::Tensor& c = contiguous.back();
    tensors.push_back({name, DType::kF32, c.sizes().vec(),
                       {reinterpret_cast<const uint8_t*>(c.data_ptr<float>()),
                        static_cast<size_t>(c.numel()) * 4}});
  }
  return WriteSafetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
}

namespace {

torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                     torch::ScalarType compute) {
  if (compute == torch::kFloat32) return torch::nn::functional::linear(x, w, b);
  torch::Tensor y = torch::nn::functional::linear(
      x.to(compute), w.to(compute), b.defined() ? b.to(compute) : torch::Tensor());
  return y.to(torch::kFloat32);
}

// The adapted linear: base(x) + mask · scale · B(A(dropout(x))).
torch::Tensor AdaptedLinear(const torch::Tensor& x, const TorchLayer& layer, int64_t l, int slot,
                            const AdapterUse& adapter, const torch::Tensor& mask3,
                            torch::ScalarType compute) {
  torch::Tensor y = Linear(x, layer.weight[slot], layer.bias[slot], compute);
  if (adapter.lora == nullptr) return y;
  const LoraLinearWeights* lin = adapter.lora->Find(l, static_cast<LinearSlot>(slot));
  if (lin == nullptr) return y;
  torch::Tensor in = x;
  const double p = adapter.lora->dropout();
  if (adapter.training && p > 0) {
    torch::Tensor keep = at::bernoulli(torch::full_like(x, 1.0 - p), adapter.generator);
    in = x * keep / (1.0 - p);
  }
  torch::Tensor delta = Linear(Linear(in, lin->a, {}, compute), lin->b, {}, compute) * lin->scale;
  if (mask3.defined()) delta = delta * mask3;
  return y + delta;
}

}  // namespace

ForwardResult Forward(const TorchModel& model, const torch::Tensor& ids, const AdapterUse& adapter,
                      torch::ScalarType compute, bool want_logits) {
  const ModelConfig& c = model.config();
  const int64_t batch = ids.size(0), length = ids.size(1);
  const int64_t hd = c.head_dim, nh = c.num_heads, nkv = c.num_kv_heads;
  torch::Tensor mask3;  // [B, T, 1]
  if (adapter.mask.defined()) mask3 = adapter.mask.to(torch::kFloat32).unsqueeze(-1);

  torch::Tensor x = torch::embedding(model.embed, ids);  // [B, T, H]
  // RoPE tables [T, hd] from positions 0..T-1, in f32 as transformers does.
  torch::Tensor pos = torch::arange(length, torch::kFloat32);
  torch::Tensor freqs = torch::outer(pos, model.rope_inv_freq);
  torch::Tensor emb = torch::cat({freqs, freqs}, -1);
  torch::Tensor cos = emb.cos(), sin = emb.sin();
  // Causal mask [T, T]: -inf above the diagonal.
  torch::Tensor causal =
      torch::full({length, length}, -std::numeric_limits<float>::infinity()).triu(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));

  for (int64_t l = 0; l < c.num_layers; ++l) {
    const TorchLayer& layer = model.layers[l];
    auto lin = [&](const torch::Tensor& in, LinearSlot s) {
      return AdaptedLinear(in, layer, l, static_cast<int>(s), adapter, mask3, compute);
    };
    torch::Tensor h = RmsNorm(x, layer.input_norm, c.rms_norm_eps);
    torch::Tensor q = lin(h, LinearSlot::kQ).view({batch, length, nh, hd});
    torch::Tensor k = lin(h, LinearSlot::kK).view({batch, length, nkv, hd});
    torch::Tensor v = lin(h, LinearSlot::kV).view({batch, length, nkv, hd});
    if (c.qk_norm) {
      q = RmsNorm(q, layer.q_norm, c.rms_norm_eps);
      k = RmsNorm(k, layer.k_norm, c.rms_norm_eps);
    }
    q = q.transpose(1, 2);  // [B, nh, T, hd]
    k = k.transpose(1, 2);  // [B, nkv, T, hd]
    v = v.transpose(1, 2);
    q = q * cos + RotateHalf(q) * sin;
    k = k * cos + RotateHalf(k) * sin;
    if (nkv != nh) {
      k = k.repeat_interleave(nh / nkv, 1);
      v = v.repeat_interleave(nh / nkv, 1);
    }
    torch::Tensor scores =  // [B, nh, T, T], f32
        (compute == torch::kFloat32 ? torch::matmul(q, k.transpose(-2, -1))
                                    : torch::matmul(q.to(compute), k.to(compute).transpose(-2, -1)).to(torch::kFloat32)) *
            scale + causal;
    torch::Tensor probs = torch::softmax(scores, -1);
    torch::Tensor attn;
    if (compute == torch::kFloat32) {
      attn = torch::matmul(probs, v);
    } else {
      attn = torch::matmul(probs.to(compute), v.to(compute)).to(torch::kFloat32);
    }
    attn = attn.transpose(1, 2).reshape({batch, length, nh * hd});
    x = x + lin(attn, LinearSlot::kO);
    h = RmsNorm(x, layer.post_attn_norm, c.rms_norm_eps);
    torch::Tensor mlp = torch::silu(lin(h, LinearSlot::kGate)) * lin(h, LinearSlot::kUp);
    x = x + lin(mlp, LinearSlot::kDown);
  }
  ForwardResult out;
  out.final_hidden = RmsNorm(x, model.final_norm, c.rms_norm_eps);
  if (want_logits) out.logits = Linear(out.final_hidden, model.lm_head, {}, compute);
  return out;
}

torch::Tensor TokenLogProbs(const torch::Tensor& logits, const torch::Tensor& targets) {
  return torch::log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
}

}  // namespace edgereason::train
