#include "model/random_model.h"

#include <nlohmann/json.hpp>
#include <random>
#include <cstring>

#include "base/file.h"
#include "io/safetensors.h"

namespace edgereason {
namespace {

ModelConfig Qwen2Shape(int64_t vocab, int64_t hidden, int64_t inter, int64_t layers,
                       int64_t heads, int64_t kv_heads, bool tied) {
  ModelConfig c;
  c.architecture = Architecture::kQwen2;
  c.vocab_size = vocab;
  c.hidden_size = hidden;
  c.intermediate_size = inter;
  c.num_layers = layers;
  c.num_heads = heads;
  c.num_kv_heads = kv_heads;
  c.head_dim = hidden / heads;
  c.max_position_embeddings = 32768;
  c.rope_theta = 1e6;
  c.rms_norm_eps = 1e-6;
  c.tie_word_embeddings = tied;
  c.qkv_bias = true;
  return c;
}

nlohmann::ordered_json ConfigJson(const ModelConfig& c, DType dtype) {
  nlohmann::ordered_json j;
  j["architectures"] = {ArchitectureName(c.architecture)};
  j["model_type"] = c.architecture == Architecture::kQwen2   ? "qwen2"
                    : c.architecture == Architecture::kQwen3 ? "qwen3"
                                                             : "llama";
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_layers;
  j["num_attention_heads"] = c.num_heads;
  j["num_key_value_heads"] = c.num_kv_heads;
  if (c.architecture == Architecture::kQwen3) j["head_dim"] = c.head_dim;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rope_theta"] = c.rope_theta;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["hidden_act"] = "silu";
  if (c.architecture != Architecture::kQwen2) j["attention_bias"] = c.qkv_bias;
  if (c.architecture == Architecture::kQwen2) j["use_sliding_window"] = false;
  if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids.front();
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  j["torch_dtype"] = dtype == DType::kBF16 ? "bfloat16" : dtype == DType::kF16 ? "float16" : "float32";
  return j;
}

// Encodes f32 values as `dtype` little-endian bytes.
std::vector<uint8_t> Encode(const std::vector<float>& values, DType dtype) {
  std::vector<uint8_t> out(values.size() * DTypeBits(dtype) / 8);
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::kF32) {
      std::memcpy(out.data() + 4 * i, &values[i], 4);
    } else {
      const uint16_t h = dtype == DType::kF16 ? F32ToF16(values[i]) : F32ToBF16(values[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> RandomModelShapeNames() {
  return {"tiny", "llama-tiny", "qwen3-tiny", "qwen2.5-0.5b", "qwen2.5-1.5b"};
}

Result<RandomModelSpec> RandomModelSpecByName(const std::string& name) {
  RandomModelSpec spec;
  spec.name = name;
  if (name == "tiny") {
    // 256 byte tokens + 3 chat specials (see WriteByteLevelTokenizer) + padding.
    spec.config = Qwen2Shape(320, 128, 384, 4, 4, 2, true);
    spec.config.max_position_embeddings = 4096;
    spec.config.eos_token_ids = {258};
    spec.init_std = 0.05;
  } else if (name == "llama-tiny" || name == "qwen3-tiny") {
    spec.config = Qwen2Shape(320, 128, 384, 3, 4, 1, false);
    spec.config.max_position_embeddings = 4096;
    spec.config.qkv_bias = false;
    spec.config.architecture = name == "qwen3-tiny" ? Architecture::kQwen3 : Architecture::kLlama;
    if (name == "qwen3-tiny") {
      spec.config.head_dim = 48;  // explicit, not hidden / heads
      spec.config.qk_norm = true;
    }
    spec.init_std = 0.05;
  } else if (name == "qwen2.5-0.5b") {
    spec.config = Qwen2Shape(151936, 896, 4864, 24, 14, 2, true);
    spec.config.eos_token_ids = {151645};
  } else if (name == "qwen2.5-1.5b") {
    spec.config = Qwen2Shape(151936, 1536, 8960, 28, 12, 2, true);
    spec.config.eos_token_ids = {151645};
  } else {
    std::string known;
    for (const auto& n : RandomModelShapeNames()) known += (known.empty() ? "" : ", ") + n;
    return InvalidArgument("unknown --shape '" + name + "' (known: " + known + ")");
  }
  return spec;
}

Status WriteRandomModel(const RandomModelSpec& spec, DType dtype, uint64_t seed,
                        const std::string& dir) {
  if (dtype != DType::kF32 && dtype != DType::kF16 && dtype != DType::kBF16) {
    return InvalidArgument("random model dtype must be F32, F16 or BF16");
  }
  ER_RETURN_IF_ERROR(CreateDirectories(dir));
  const ModelConfig& c = spec.config;

  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, static_cast<float>(spec.init_std));
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<uint8_t>> buffers;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, bool ones) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> values(n);
    for (float& v : values) v = ones ? 1.0f : normal(rng);
    names.push_back(name);
    shapes.push_back(std::move(shape));
    buffers.push_back(Encode(values, dtype));
  };
  const int64_t h = c.hidden_size;
  add("model.embed_tokens.weight", {c.vocab_size, h}, false);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {h}, true);
    add(p + "post_attention_layernorm.weight", {h}, true);
    add(p + "self_attn.q_proj.weight", {c.q_dim(), h}, false);
    add(p + "self_attn.k_proj.weight", {c.kv_dim(), h}, false);
    add(p + "self_attn.v_proj.weight", {c.kv_dim(), h}, false);
    add(p + "self_attn.o_proj.weight", {h, c.q_dim()}, false);
    if (c.qkv_bias) {
      add(p + "self_attn.q_proj.bias", {c.q_dim()}, false);
      add(p + "self_attn.k_proj.bias", {c.kv_dim()}, false);
      add(p + "self_attn.v_proj.bias", {c.kv_dim()}, false);
    }
    if (c.qk_norm) {
      add(p + "self_attn.q_norm.weight", {c.head_dim}, true);
      add(p + "self_attn.k_norm.weight", {c.head_dim}, true);
    }
    add(p + "mlp.gate_proj.weight", {c.intermediate_size, h}, false);
    add(p + "mlp.up_proj.weight", {c.intermediate_size, h}, false);
    add(p + "mlp.down_proj.weight", {h, c.intermediate_size}, false);
  }
  add("model.norm.weight", {h}, true);
  if (!c.tie_word_embeddings) add("lm_head.weight", {c.vocab_size, h}, false);

  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < names.size(); ++i) {
    tensors.push_back({names[i], dtype, shapes[i], buffers[i]});
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(JoinPath(dir, "model.safetensors"), tensors,
                                      {{"format", "pt"}}));
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "config.json"), ConfigJson(c, dtype).dump(2)));
  nlohmann::ordered_json gen;
  if (!c.eos_token_ids.empty()) gen["eos_token_id"] = c.eos_token_ids;
  gen["do_sample"] = true;
  gen["temperature"] = 0.7;
  gen["top_p"] = 0.8;
  gen["top_k"] = 20;
  gen["repetition_penalty"] = 1.05;
  return WriteFileAtomic(JoinPath(dir, "generation_config.json"), gen.dump(2));
}

}  // namespace edgereason
