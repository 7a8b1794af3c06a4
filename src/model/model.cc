#include "model/model.h"

#include <cmath>
#include <cstring>

#include "io/safetensors.h"
#include "model/tensor_loader.h"

namespace edgereason {
namespace {

Status LoadLayer(const TensorLoader& loader, const ModelConfig& c, int64_t l, WeightFormat f,
                 LayerWeights* w) {
  const std::string p = "model.layers." + std::to_string(l) + ".";
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  ER_ASSIGN_OR_RETURN(w->input_norm, loader.Vector(p + "input_layernorm.weight", h));
  ER_ASSIGN_OR_RETURN(w->post_attn_norm, loader.Vector(p + "post_attention_layernorm.weight", h));
  ER_ASSIGN_OR_RETURN(w->q, loader.Matrix(p + "self_attn.q_proj.weight", c.q_dim(), h, f));
  ER_ASSIGN_OR_RETURN(w->k, loader.Matrix(p + "self_attn.k_proj.weight", c.kv_dim(), h, f));
  ER_ASSIGN_OR_RETURN(w->v, loader.Matrix(p + "self_attn.v_proj.weight", c.kv_dim(), h, f));
  ER_ASSIGN_OR_RETURN(w->o, loader.Matrix(p + "self_attn.o_proj.weight", h, c.q_dim(), f));
  if (c.qkv_bias) {
    ER_ASSIGN_OR_RETURN(w->q_bias, loader.Vector(p + "self_attn.q_proj.bias", c.q_dim()));
    ER_ASSIGN_OR_RETURN(w->k_bias, loader.Vector(p + "self_attn.k_proj.bias", c.kv_dim()));
    ER_ASSIGN_OR_RETURN(w->v_bias, loader.Vector(p + "self_attn.v_proj.bias", c.kv_dim()));
  }
  if (c.o_bias) {
    ER_ASSIGN_OR_RETURN(w->o_bias, loader.Vector(p + "self_attn.o_proj.bias", h));
  }
  if (c.qk_norm) {
    ER_ASSIGN_OR_RETURN(w->q_norm, loader.Vector(p + "self_attn.q_norm.weight", c.head_dim));
    ER_ASSIGN_OR_RETURN(w->k_norm, loader.Vector(p + "self_attn.k_norm.weight", c.head_dim));
  }
  ER_ASSIGN_OR_RETURN(w->gate, loader.Matrix(p + "mlp.gate_proj.weight", inter, h, f));
  ER_ASSIGN_OR_RETURN(w->up, loader.Matrix(p + "mlp.up_proj.weight", inter, h, f));
  ER_ASSIGN_OR_RETURN(w->down, loader.Matrix(p + "mlp.down_proj.weight", h, inter, f));
  if (c.mlp_bias) {
    ER_ASSIGN_OR_RETURN(w->gate_bias, loader.Vector(p + "mlp.gate_proj.bias", inter));
    ER_ASSIGN_OR_RETURN(w->up_bias, loader.Vector(p + "mlp.up_proj.bias", inter));
    ER_ASSIGN_OR_RETURN(w->down_bias, loader.Vector(p + "mlp.down_proj.bias", h));
  }
  return Status::Ok();
}

}  // namespace

std::vector<float> RopeInverseFrequencies(const ModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  std::vector<float> inv(half);
  const float base = static_cast<float>(c.rope_theta);
  for (int64_t i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(c.head_dim);
    inv[i] = 1.0f / std::pow(base, exponent);
  }
  const RopeScaling& s = c.rope_scaling;
  if (s.kind == RopeScaling::Kind::kLinear) {
    for (float& f : inv) f /= static_cast<float>(s.factor);
  } else if (s.kind == RopeScaling::Kind::kLlama3) {
    // Long wavelengths are divided by `factor`, short ones kept, and the band
    // between blended smoothly (Llama 3.1).
    const float factor = static_cast<float>(s.factor);
    const float low = static_cast<float>(s.low_freq_factor);
    const float high = static_cast<float>(s.high_freq_factor);
    const float old_context = static_cast<float>(s.original_max_position_embeddings);
    const float low_freq_wavelen = old_context / low;
    const float high_freq_wavelen = old_context / high;
    for (float& f : inv) {
      const float wavelen = 2.0f * static_cast<float>(M_PI) / f;
      float scaled = wavelen > low_freq_wavelen ? f / factor : f;
      const bool medium = !(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen);
      if (medium) {
        const float smooth = (old_context / wavelen - low) / (high - low);
        scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
      }
      f = scaled;
    }
  }
  return inv;
}

Result<std::shared_ptr<const Model>> Model::Load(const std::string& dir,
                                                 const ModelLoadOptions& options) {
  auto model = std::shared_ptr<Model>(new Model());
  model->dir_ = dir;
  ER_ASSIGN_OR_RETURN(model->config_, LoadModelConfig(dir));
  ER_ASSIGN_OR_RETURN(model->generation_config_, LoadGenerationConfig(dir, model->config_));
  ER_ASSIGN_OR_RETURN(SafetensorsCheckpoint checkpoint, SafetensorsCheckpoint::Open(dir));
  TensorLoader loader(std::make_shared<const SafetensorsCheckpoint>(std::move(checkpoint)), dir);
  // Quantized checkpoints run in their stored format unless told otherwise.
  const WeightFormat f =
      options.weight_format.value_or(loader.stored_format().value_or(WeightFormat::kF32));
  model->weight_format_ = f;

  const ModelConfig& c = model->config_;
  ER_ASSIGN_OR_RETURN(model->embedding_,
                      loader.Matrix("model.embed_tokens.weight", c.vocab_size, c.hidden_size, f));
  if (c.tie_word_embeddings) {
    model->lm_head_ = model->embedding_;
  } else if (loader.Has("lm_head.weight")) {
    ER_ASSIGN_OR_RETURN(model->lm_head_,
                        loader.Matrix("lm_head.weight", c.vocab_size, c.hidden_size, f));
  } else {
    return NotFound(dir + ": tie_word_embeddings is false but the checkpoint has no "
                          "'lm_head.weight'");
  }
  ER_ASSIGN_OR_RETURN(model->final_norm_, loader.Vector("model.norm.weight", c.hidden_size));
  model->layers_.resize(c.num_layers);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    ER_RETURN_IF_ERROR(LoadLayer(loader, c, l, f, &model->layers_[l]));
  }
  model->rope_inv_freq_ = RopeInverseFrequencies(c);
  return std::shared_ptr<const Model>(std::move(model));
}

AdapterBaseShape Model::adapter_shape() const { return AdapterShapeOf(config_); }

AdapterBaseShape AdapterShapeOf(const ModelConfig& c) {
  AdapterBaseShape shape;
  shape.num_layers = c.num_layers;
  shape.linear[static_cast<int>(LinearSlot::kQ)] = {c.q_dim(), c.hidden_size};
  shape.linear[static_cast<int>(LinearSlot::kK)] = {c.kv_dim(), c.hidden_size};
  shape.linear[static_cast<int>(LinearSlot::kV)] = {c.kv_dim(), c.hidden_size};
  shape.linear[static_cast<int>(LinearSlot::kO)] = {c.hidden_size, c.q_dim()};
  shape.linear[static_cast<int>(LinearSlot::kGate)] = {c.intermediate_size, c.hidden_size};
  shape.linear[static_cast<int>(LinearSlot::kUp)] = {c.intermediate_size, c.hidden_size};
  shape.linear[static_cast<int>(LinearSlot::kDown)] = {c.hidden_size, c.intermediate_size};
  return shape;
}

int64_t Model::WeightBytes() const {
  int64_t bytes = lm_head_.Bytes() + (config_.tie_word_embeddings ? 0 : embedding_.Bytes());
  for (const LayerWeights& l : layers_) {
    for (const WeightMatrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) {
      bytes += m->Bytes();
    }
  }
  return bytes;
}

}  // namespace edgereason
