#include "train/lora.h"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>
#include <cmath>

#include "base/file.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "train/model.h"

namespace edgereason::train {

Result<LoraWeights> LoraWeights::Create(const ModelConfig& config, const LoraSpec& spec,
                                        uint64_t seed) {
  if (spec.rank <= 0) return InvalidArgument("LoRA rank must be positive, got " + std::to_string(spec.rank));
  if (spec.dropout < 0 || spec.dropout >= 1) {
    return InvalidArgument("LoRA dropout must be in [0, 1), got " + std::to_string(spec.dropout));
  }
  if (spec.targets.empty()) return InvalidArgument("LoRA needs at least one target module");
  std::array<bool, kNumLinearSlots> targeted{};
  for (const std::string& t : spec.targets) {
    bool found = false;
    for (int s = 0; s < kNumLinearSlots; ++s) {
      const std::string module = LinearSlotModuleName(static_cast<LinearSlot>(s));
      if (module.substr(module.find('.') + 1) == t) targeted[s] = found = true;
    }
    if (!found) {
      return InvalidArgument("unknown LoRA target module '" + t +
                             "' (use q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
    }
  }
  const AdapterBaseShape shape = AdapterShapeOf(config);
  LoraWeights w;
  w.dropout_ = spec.dropout;
  w.layers_.resize(config.num_layers);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double scale = spec.rslora ? spec.alpha / std::sqrt(static_cast<double>(spec.rank))
                                   : spec.alpha / static_cast<double>(spec.rank);
  for (int64_t l = 0; l < config.num_layers; ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      if (!targeted[s]) continue;
      const auto [out, in] = shape.linear[s];
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      LoraLinearWeights lin;
      lin.a = at::rand({spec.rank, in}, gen, torch::kFloat32) * (2 * bound) - bound;
      lin.b = torch::zeros({out, spec.rank}, torch::kFloat32);
      lin.scale = scale;
      w.layers_[l][s] = std::move(lin);
    }
  }
  w.peft_config_ = {
      {"peft_type", "LORA"}, {"task_type", "CAUSAL_LM"}, {"r", spec.rank},
      {"lora_alpha", spec.alpha}, {"lora_dropout", spec.dropout}, {"bias", "none"},
      {"use_rslora", spec.rslora}, {"use_dora", false}, {"fan_in_fan_out", false},
      {"target_modules", spec.targets}, {"modules_to_save", nullptr},
      {"rank_pattern", nlohmann::ordered_json::object()},
      {"alpha_pattern", nlohmann::ordered_json::object()},
      {"inference_mode", true}, {"base_model_name_or_path", ""}};
  return w;
}

Result<LoraWeights> LoraWeights::Load(const std::string& dir, const ModelConfig& config) {
  ER_ASSIGN_OR_RETURN(std::shared_ptr<const LoraAdapter> adapter,
                      LoraAdapter::Load(dir, AdapterShapeOf(config)));
  ER_ASSIGN_OR_RETURN(std::string config_text, ReadFile(JoinPath(dir, "adapter_config.json")));
  LoraWeights w;
  w.peft_config_ = nlohmann::ordered_json::parse(config_text, nullptr, /*allow_exceptions=*/false);
  w.dropout_ = w.peft_config_.value("lora_dropout", 0.0);
  w.layers_.resize(config.num_layers);
  for (int64_t l = 0; l < config.num_layers; ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      const LoraLinear* src = adapter->Find(l, static_cast<LinearSlot>(s));
      if (src == nullptr) continue;
      LoraLinearWeights lin;
      lin.a = torch::from_blob(const_cast<float*>(src->a.f32()), {src->a.rows, src->a.cols},
                               torch::kFloat32).clone();
      lin.b = torch::from_blob(const_cast<float*>(src->b.f32()), {src->b.rows, src->b.cols},
                               torch::kFloat32).clone();
      lin.scale = src->scale;
      w.layers_[l][s] = std::move(lin);
    }
  }
  return w;
}

Status LoraWeights::Save(const std::string& dir) const {
  ER_RETURN_IF_ERROR(CreateDirectories(dir));
  std::vector<torch::Tensor> keep;
  std::vector<std::string> names;
  std::vector<TensorToWrite> tensors;
  names.reserve(2 * kNumLinearSlots * layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      if (!layers_[l][s]) continue;
      const std::string prefix = "base_model.model.model.layers." + std::to_string(l) + "." +
                                 LinearSlotModuleName(static_cast<LinearSlot>(s));
      for (char which : {'A', 'B'}) {
        const torch::Tensor& t = which == 'A' ? layers_[l][s]->a : layers_[l][s]->b;
        keep.push_back(t.detach().to(torch::kFloat32).contiguous());
        names.push_back(prefix + ".lora_" + which + ".weight");
        tensors.push_back({names.back(), DType::kF32, keep.back().sizes().vec(),
                           {reinterpret_cast<const uint8_t*>(keep.back().data_ptr<float>()),
                            static_cast<size_t>(keep.back().numel()) * 4}});
      }
    }
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(JoinPath(dir, "adapter_model.safetensors"), tensors,
                                      {{"format", "pt"}}));
  return WriteFileAtomic(JoinPath(dir, "adapter_config.json"), peft_config_.dump(2));
}

std::vector<torch::Tensor> LoraWeights::Parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& layer : layers_) {
    for (const auto& lin : layer) {
      if (!lin) continue;
      out.push_back(lin->a);
      out.push_back(lin->b);
    }
  }
  return out;
}

std::vector<std::vector<float>> LoraWeights::ValuesForRuntime() const {
  std::vector<std::vector<float>> out;
  for (const torch::Tensor& t : Parameters()) {
    torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    out.emplace_back(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  return out;
}

LoraWeights LoraWeights::Clone() const {
  LoraWeights copy = *this;
  for (auto& layer : copy.layers_) {
    for (auto& lin : layer) {
      if (!lin) continue;
      lin->a = lin->a.detach().clone();
      lin->b = lin->b.detach().clone();
    }
  }
  return copy;
}

void LoraWeights::SetRequiresGrad(bool requires_grad) {
  for (torch::Tensor& t : Parameters()) t.requires_grad_(requires_grad);
}

}  // namespace edgereason::train
