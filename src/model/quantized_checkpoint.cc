#include "model/quantized_checkpoint.h"

#include <filesystem>

#include "base/file.h"
#include "io/safetensors.h"
#include "model/tensor_loader.h"
#include "tensor/weight_panels.h"

namespace edgereason {
namespace {

// Tensors grouped by element size so that, written in this order after the
// 8-byte-aligned header, every tensor starts aligned for its element type:
// 4-byte types first, then 2-byte, then bytes.
struct TensorGroups {
  std::vector<TensorToWrite> four, two, one;
  // Row-major copies of kPanels matrices, alive until the file is written
  // (the tensors above point into them).
  std::vector<WeightMatrix> unpacked;

  void Add(TensorToWrite t) {
    const int bits = DTypeBits(t.dtype);
    (bits >= 32 ? four : bits == 16 ? two : one).push_back(std::move(t));
  }
  std::vector<TensorToWrite> Ordered() const {
    std::vector<TensorToWrite> all = four;
    all.insert(all.end(), two.begin(), two.end());
    all.insert(all.end(), one.begin(), one.end());
    return all;
  }
};

std::span<const uint8_t> Bytes(const void* data, int64_t count) {
  return {static_cast<const uint8_t*>(data), static_cast<size_t>(count)};
}

void AddVector(TensorGroups& g, const std::string& name, const std::vector<float>& v) {
  if (v.empty()) return;
  g.Add({name, DType::kF32, {static_cast<int64_t>(v.size())}, Bytes(v.data(), v.size() * 4)});
}

void AddMatrix(TensorGroups& g, const std::string& name, const WeightMatrix& loaded) {
  // Checkpoints store the kRows layout; a loaded model may hold kPanels.
  if (loaded.layout == WeightLayout::kPanels) g.unpacked.push_back(UnpackPanels(loaded));
  const WeightMatrix& w = loaded.layout == WeightLayout::kPanels ? g.unpacked.back() : loaded;
  const int64_t r = w.rows, c = w.cols;
  switch (w.format) {
    case WeightFormat::kF32:
      g.Add({name, DType::kF32, {r, c}, Bytes(w.data, r * c * 4)});
      return;
    case WeightFormat::kBF16:
      g.Add({name, DType::kBF16, {r, c}, Bytes(w.data, r * c * 2)});
      return;
    case WeightFormat::kQ8_0:
      g.Add({name, DType::kI8, {r, c}, Bytes(w.data, r * c)});
      g.Add({name + kScalesSuffix, DType::kF16, {r, c / kQuantBlock},
             Bytes(w.scales, r * (c / kQuantBlock) * 2)});
      return;
    case WeightFormat::kQ4_0:
      g.Add({name, DType::kU8, {r, c / 2}, Bytes(w.data, r * c / 2)});
      g.Add({name + kScalesSuffix, DType::kF16, {r, c / kQuantBlock},
             Bytes(w.scales, r * (c / kQuantBlock) * 2)});
      return;
    case WeightFormat::kQ4_PC:
      g.Add({name, DType::kU8, {r, c / 2}, Bytes(w.data, r * c / 2)});
      g.Add({name + kScalesSuffix, DType::kF32, {r}, Bytes(w.scales, r * 4)});
      return;
  }
}

}  // namespace

Status WriteQuantizedCheckpoint(const Model& model, const std::string& out_dir) {
  std::error_code ec;
  ER_RETURN_IF_ERROR(CreateDirectories(out_dir));
  if (std::filesystem::equivalent(out_dir, model.dir(), ec)) {
    return InvalidArgument(out_dir + ": the output directory must differ from the model's");
  }
  const ModelConfig& c = model.config();
  TensorGroups groups;
  AddMatrix(groups, "model.embed_tokens.weight", model.embedding());
  if (!c.tie_word_embeddings) AddMatrix(groups, "lm_head.weight", model.lm_head());
  AddVector(groups, "model.norm.weight", model.final_norm());
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const LayerWeights& w = model.layers()[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    AddVector(groups, p + "input_layernorm.weight", w.input_norm);
    AddVector(groups, p + "post_attention_layernorm.weight", w.post_attn_norm);
    AddVector(groups, p + "self_attn.q_norm.weight", w.q_norm);
    AddVector(groups, p + "self_attn.k_norm.weight", w.k_norm);
    AddMatrix(groups, p + "self_attn.q_proj.weight", w.q);
    AddMatrix(groups, p + "self_attn.k_proj.weight", w.k);
    AddMatrix(groups, p + "self_attn.v_proj.weight", w.v);
    AddMatrix(groups, p + "self_attn.o_proj.weight", w.o);
    AddVector(groups, p + "self_attn.q_proj.bias", w.q_bias);
    AddVector(groups, p + "self_attn.k_proj.bias", w.k_bias);
    AddVector(groups, p + "self_attn.v_proj.bias", w.v_bias);
    AddVector(groups, p + "self_attn.o_proj.bias", w.o_bias);
    AddMatrix(groups, p + "mlp.gate_proj.weight", w.gate);
    AddMatrix(groups, p + "mlp.up_proj.weight", w.up);
    AddMatrix(groups, p + "mlp.down_proj.weight", w.down);
    AddVector(groups, p + "mlp.gate_proj.bias", w.gate_bias);
    AddVector(groups, p + "mlp.up_proj.bias", w.up_bias);
    AddVector(groups, p + "mlp.down_proj.bias", w.down_bias);
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(
      JoinPath(out_dir, "model.safetensors"), groups.Ordered(),
      {{"format", "pt"}, {kWeightFormatKey, std::string(WeightFormatName(model.weight_format()))}}));
  for (const char* name : {"config.json", "generation_config.json", "tokenizer.json", "vocab.json",
                           "merges.txt", "tokenizer_config.json", "chat_template.jinja"}) {
    const std::string from = JoinPath(model.dir(), name);
    if (!FileExists(from)) continue;
    ER_ASSIGN_OR_RETURN(std::string bytes, ReadFile(from));
    ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(out_dir, name), bytes));
  }
  return Status::Ok();
}

}  // namespace edgereason
