#include "adapter/random_adapter.h"

#include <nlohmann/json.hpp>
#include <random>

#include "base/file.h"
#include "io/safetensors.h"

namespace edgereason {

Status WriteRandomAdapter(const RandomAdapterSpec& spec, const AdapterBaseShape& base,
                          uint64_t seed, const std::string& dir) {
  if (spec.rank <= 0) return InvalidArgument("adapter rank must be positive, got " + std::to_string(spec.rank));
  ER_RETURN_IF_ERROR(CreateDirectories(dir));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> a_dist(0.0f, static_cast<float>(spec.a_std));
  std::normal_distribution<float> b_dist(0.0f, static_cast<float>(spec.b_std));
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> values;
  for (int64_t l = 0; l < base.num_layers; ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      const std::string module = LinearSlotModuleName(static_cast<LinearSlot>(s));
      const std::string short_name = module.substr(module.find('.') + 1);
      if (std::find(spec.targets.begin(), spec.targets.end(), short_name) == spec.targets.end()) continue;
      const auto [out, in] = base.linear[s];
      const std::string prefix = "base_model.model.model.layers." + std::to_string(l) + "." + module;
      std::vector<float> a(spec.rank * in), b(out * spec.rank);
      for (float& v : a) v = a_dist(rng);
      for (float& v : b) v = b_dist(rng);
      names.push_back(prefix + ".lora_A.weight");
      shapes.push_back({spec.rank, in});
      values.push_back(std::move(a));
      names.push_back(prefix + ".lora_B.weight");
      shapes.push_back({out, spec.rank});
      values.push_back(std::move(b));
    }
  }
  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < names.size(); ++i) {
    tensors.push_back({names[i], DType::kF32, shapes[i],
                       {reinterpret_cast<const uint8_t*>(values[i].data()), values[i].size() * 4}});
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(JoinPath(dir, "adapter_model.safetensors"), tensors, {{"format", "pt"}}));
  nlohmann::ordered_json cfg = {
      {"peft_type", "LORA"}, {"task_type", "CAUSAL_LM"}, {"r", spec.rank},
      {"lora_alpha", spec.alpha}, {"lora_dropout", 0.0}, {"bias", "none"},
      {"use_rslora", spec.rslora}, {"use_dora", false}, {"fan_in_fan_out", false},
      {"target_modules", spec.targets}, {"modules_to_save", nullptr},
      {"rank_pattern", nlohmann::ordered_json::object()},
      {"alpha_pattern", nlohmann::ordered_json::object()}, {"base_model_name_or_path", ""}};
  if (!spec.invocation_tokens.empty()) cfg["alora_invocation_tokens"] = spec.invocation_tokens;
  else cfg["alora_invocation_tokens"] = nullptr;
  return WriteFileAtomic(JoinPath(dir, "adapter_config.json"), cfg.dump(2));
}

}  // namespace edgereason
