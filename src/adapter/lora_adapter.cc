#include "adapter/lora_adapter.h"

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "base/file.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "ops/matmul.h"
#include "tensor/quantize.h"

namespace edgereason {
namespace {

using nlohmann::json;

constexpr const char* kSlotNames[kNumLinearSlots] = {
    "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
    "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};

std::string ModuleName(int64_t layer, int slot) {
  return "model.layers." + std::to_string(layer) + "." + kSlotNames[slot];
}

// How adapter_config.json selects modules, as PEFT interprets it.
struct TargetRule {
  bool all_linear = false;
  std::vector<std::string> names;  // a module matches `name` or ends with ".name"
  std::optional<std::regex> regex; // full match of the module name
  std::optional<std::set<int64_t>> layers;  // layers_to_transform

  bool Matches(const std::string& module, int64_t layer) const {
    if (layers && !layers->count(layer)) return false;
    if (all_linear) return true;
    if (regex) return std::regex_match(module, *regex);
    for (const std::string& n : names) {
      if (module == n || (module.size() > n.size() &&
                          module.compare(module.size() - n.size() - 1, n.size() + 1, "." + n) == 0)) {
        return true;
      }
    }
    return false;
  }
};

// PEFT's rank_pattern / alpha_pattern lookup: the first key K such that the
// module name matches "(^|.*\.)K$".
template <typename T>
Result<std::optional<T>> PatternValue(const json& patterns, const std::string& module,
                                      const std::string& origin, const char* field) {
  if (!patterns.is_object()) return std::optional<T>();
  for (const auto& [key, value] : patterns.items()) {
    std::regex re;
    try {
      re = std::regex("(^|.*\\.)" + key + "$");
    } catch (const std::regex_error&) {
      return CorruptData(origin + ": " + field + " key '" + key + "' is not a valid pattern");
    }
    if (std::regex_match(module, re)) {
      if (!value.is_number()) return CorruptData(origin + ": " + field + " value for '" + key + "' is not a number");
      return std::optional<T>(value.template get<T>());
    }
  }
  return std::optional<T>();
}

Status RejectUnsupported(const json& cfg, const std::string& origin) {
  auto truthy = [&](const char* key) {
    auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) return false;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_array() || it->is_object() || it->is_string()) return !it->empty();
    return true;
  };
  std::string peft_type = cfg.value("peft_type", "LORA");
  if (peft_type != "LORA") {
    return Unsupported(origin + ": peft_type '" + peft_type + "' is not supported (only LORA)");
  }
  for (const char* key : {"use_dora", "modules_to_save", "fan_in_fan_out", "layer_replication",
                          "lora_bias", "use_qalora", "trainable_token_indices", "target_parameters"}) {
    if (truthy(key)) {
      return Unsupported(origin + ": '" + key + "' is set, which edgereason does not support");
    }
  }
  std::string bias = cfg.contains("bias") && cfg["bias"].is_string() ? cfg["bias"].get<std::string>() : "none";
  if (bias != "none") {
    return Unsupported(origin + ": bias '" + bias + "' (trained biases) is not supported; use bias \"none\"");
  }
  return Status::Ok();
}

Result<TargetRule> ParseTargets(const json& cfg, const std::string& origin) {
  TargetRule rule;
  auto it = cfg.find("target_modules");
  if (it == cfg.end() || it->is_null()) {
    return CorruptData(origin + ": missing field 'target_modules'");
  }
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (s == "all-linear") {
      rule.all_linear = true;
    } else {
      try {
        rule.regex = std::regex(s);
      } catch (const std::regex_error&) {
        return CorruptData(origin + ": target_modules '" + s + "' is not a valid regular expression");
      }
    }
  } else if (it->is_array()) {
    for (const json& t : *it) {
      if (!t.is_string()) return CorruptData(origin + ": target_modules must hold strings");
      rule.names.push_back(t.get<std::string>());
    }
  } else {
    return CorruptData(origin + ": target_modules must be a list or a string");
  }
  auto layers = cfg.find("layers_to_transform");
  if (layers != cfg.end() && !layers->is_null()) {
    std::set<int64_t> chosen;
    for (const json& l : layers->is_array() ? *layers : json::array({*layers})) {
      if (!l.is_number_integer()) return CorruptData(origin + ": layers_to_transform must hold integers");
      chosen.insert(l.get<int64_t>());
    }
    rule.layers = chosen;
  }
  return rule;
}

Result<WeightMatrix> ReadMatrix(const SafetensorsTensor& t, int64_t rows, int64_t cols,
                                const std::string& origin, WeightFormat format) {
  if (t.shape != std::vector<int64_t>{rows, cols}) {
    return CorruptData(origin + ": tensor '" + t.name + "' has shape [" +
                       (t.shape.size() == 2 ? std::to_string(t.shape[0]) + ", " + std::to_string(t.shape[1]) : "?") +
                       "] but the base model needs [" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "]; was this adapter made for another base model?");
  }
  std::vector<float> values(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (t.dtype == DType::kF32) {
      std::memcpy(&values[i], t.data.data() + 4 * i, 4);
    } else if (t.dtype == DType::kF16 || t.dtype == DType::kBF16) {
      uint16_t h;
      std::memcpy(&h, t.data.data() + 2 * i, 2);
      values[i] = t.dtype == DType::kF16 ? F16ToF32(h) : BF16ToF32(h);
    } else {
      return Unsupported(origin + ": tensor '" + t.name + "' has dtype " +
                         std::string(DTypeName(t.dtype)) + " (supported: F32, F16, BF16)");
    }
  }
  if (format == WeightFormat::kF32) return WeightMatrix::FromF32(std::move(values), rows, cols);
  if (IsQuantized(format) && cols % kQuantBlock != 0) format = WeightFormat::kBF16;
  auto converted = QuantizeWeights(values.data(), rows, cols, format);
  if (!converted.ok()) {
    return InvalidArgument(origin + ": tensor '" + t.name + "': " + converted.status().message());
  }
  // The base's layout rule: quantized A and B matrices of whole 16-row panels
  // run on the panel kernels.
  return InPreferredLayout(std::move(*converted));
}

// Adapter tensor names: "base_model.model.<module>.lora_A.weight", with an
// optional adapter name before ".weight" in some writers.
std::optional<std::pair<std::string, char>> SplitTensorName(const std::string& name) {
  const std::string prefix = "base_model.model.";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  for (char which : {'A', 'B'}) {
    const std::string marker = std::string(".lora_") + which + ".";
    auto pos = name.find(marker);
    if (pos != std::string::npos && name.size() >= 7 && name.compare(name.size() - 7, 7, ".weight") == 0) {
      return std::make_pair(name.substr(prefix.size(), pos - prefix.size()), which);
    }
  }
  return std::nullopt;
}

}  // namespace

const char* LinearSlotModuleName(LinearSlot slot) { return kSlotNames[static_cast<int>(slot)]; }

std::optional<int64_t> FindInvocationStart(const std::vector<int32_t>& prompt,
                                           const std::vector<int32_t>& invocation) {
  if (invocation.empty() || invocation.size() > prompt.size()) return std::nullopt;
  for (int64_t start = static_cast<int64_t>(prompt.size() - invocation.size()); start >= 0; --start) {
    if (std::equal(invocation.begin(), invocation.end(), prompt.begin() + start)) return start;
  }
  return std::nullopt;
}

Result<std::shared_ptr<const LoraAdapter>> LoraAdapter::Load(const std::string& dir,
                                                             const AdapterBaseShape& base,
                                                             const LoraLoadOptions& options) {
  if (options.format != WeightFormat::kF32 && options.format != WeightFormat::kBF16 &&
      options.format != WeightFormat::kQ8_0 && options.format != WeightFormat::kQ4_0) {
    return InvalidArgument("LoRA matrices can be held in f32, bf16, q8_0 (int8) or q4_0, not " +
                           std::string(WeightFormatName(options.format)));
  }
  const std::string config_path = JoinPath(dir, "adapter_config.json");
  ER_ASSIGN_OR_RETURN(json cfg, ReadJsonFile(config_path));
  if (!cfg.is_object()) return CorruptData(config_path + ": expected a JSON object");
  ER_RETURN_IF_ERROR(RejectUnsupported(cfg, config_path));
  if (!cfg.contains("r") || !cfg["r"].is_number_integer() || cfg["r"].get<int64_t>() <= 0) {
    return CorruptData(config_path + ": field 'r' must be a positive integer, got " +
                       (cfg.contains("r") ? cfg["r"].dump() : std::string("nothing")));
  }
  const int64_t default_rank = cfg["r"].get<int64_t>();
  double default_alpha = static_cast<double>(default_rank);
  if (cfg.contains("lora_alpha") && !cfg["lora_alpha"].is_null()) {
    if (!cfg["lora_alpha"].is_number()) return CorruptData(config_path + ": lora_alpha must be a number");
    default_alpha = cfg["lora_alpha"].get<double>();
  }
  const bool rslora = cfg.value("use_rslora", false);
  ER_ASSIGN_OR_RETURN(TargetRule targets, ParseTargets(cfg, config_path));

  auto adapter = std::shared_ptr<LoraAdapter>(new LoraAdapter());
  adapter->dir_ = dir;
  if (cfg.contains("alora_invocation_tokens") && !cfg["alora_invocation_tokens"].is_null()) {
    const json& tokens = cfg["alora_invocation_tokens"];
    if (!tokens.is_array() || tokens.empty()) {
      return CorruptData(config_path + ": alora_invocation_tokens must be a non-empty list of ids");
    }
    for (const json& t : tokens) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0) {
        return CorruptData(config_path + ": alora_invocation_tokens must hold token ids");
      }
      adapter->invocation_tokens_.push_back(static_cast<int32_t>(t.get<int64_t>()));
    }
  }

  // Which modules the config targets; a listed name that matches no module of
  // the base model is an error (PEFT raises too).
  std::map<std::string, std::pair<int64_t, int>> targeted;  // module -> (layer, slot)
  std::set<std::string> used_names;
  for (int64_t l = 0; l < base.num_layers; ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      const std::string module = ModuleName(l, s);
      if (!targets.Matches(module, l)) continue;
      targeted[module] = {l, s};
      for (const std::string& n : targets.names) {
        if (module == n || module.ends_with("." + n)) used_names.insert(n);
      }
    }
  }
  for (const std::string& n : targets.names) {
    if (!used_names.count(n)) {
      return Unsupported(config_path + ": target module '" + n +
                         "' matches no linear layer of the base model (supported: q_proj, k_proj, "
                         "v_proj, o_proj, gate_proj, up_proj, down_proj)");
    }
  }
  if (targeted.empty()) return Unsupported(config_path + ": target_modules select no layer of the base model");

  const std::string weights_path = JoinPath(dir, "adapter_model.safetensors");
  ER_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(weights_path));
  std::map<std::string, std::pair<const SafetensorsTensor*, const SafetensorsTensor*>> pairs;
  for (const SafetensorsTensor& t : file.tensors()) {
    auto split = SplitTensorName(t.name);
    if (!split || !targeted.count(split->first)) {
      return CorruptData(weights_path + ": tensor '" + t.name +
                         "' does not belong to a targeted linear layer of the base model");
    }
    auto& pair = pairs[split->first];
    (split->second == 'A' ? pair.first : pair.second) = &t;
  }

  adapter->layers_.resize(base.num_layers);
  for (const auto& [module, where] : targeted) {
    const auto [layer, slot] = where;
    auto pair = pairs.find(module);
    if (pair == pairs.end() || pair->second.first == nullptr || pair->second.second == nullptr) {
      return CorruptData(weights_path + ": missing lora_A/lora_B weights for targeted module '" +
                         module + "'");
    }
    ER_ASSIGN_OR_RETURN(auto rank_override, PatternValue<int64_t>(cfg.value("rank_pattern", json::object()), module, config_path, "rank_pattern"));
    ER_ASSIGN_OR_RETURN(auto alpha_override, PatternValue<double>(cfg.value("alpha_pattern", json::object()), module, config_path, "alpha_pattern"));
    const int64_t rank = rank_override.value_or(default_rank);
    const double alpha = alpha_override.value_or(default_alpha);
    if (rank <= 0) return CorruptData(config_path + ": rank of '" + module + "' must be positive");
    const auto [out, in] = base.linear[slot];
    LoraLinear lin;
    ER_ASSIGN_OR_RETURN(lin.a, ReadMatrix(*pair->second.first, rank, in, weights_path, options.format));
    ER_ASSIGN_OR_RETURN(lin.b, ReadMatrix(*pair->second.second, out, rank, weights_path, options.format));
    lin.scale = static_cast<float>(rslora ? alpha / std::sqrt(static_cast<double>(rank))
                                          : alpha / static_cast<double>(rank));
    adapter->layers_[layer][slot] = std::move(lin);
  }
  return std::shared_ptr<const LoraAdapter>(std::move(adapter));
}

Result<std::shared_ptr<const LoraAdapter>> LoraAdapter::WithWeights(
    const std::vector<std::vector<float>>& values) const {
  auto copy = std::shared_ptr<LoraAdapter>(new LoraAdapter(*this));
  size_t next = 0;
  for (auto& layer : copy->layers_) {
    for (auto& lin : layer) {
      if (!lin) continue;
      for (WeightMatrix* m : {&lin->a, &lin->b}) {
        if (next >= values.size()) {
          return InvalidArgument(dir_ + ": new adapter weights list has " +
                                 std::to_string(values.size()) + " matrices, too few");
        }
        if (static_cast<int64_t>(values[next].size()) != m->rows * m->cols) {
          return InvalidArgument(dir_ + ": new adapter weight matrix " + std::to_string(next) +
                                 " has " + std::to_string(values[next].size()) +
                                 " values, expected " + std::to_string(m->rows * m->cols));
        }
        *m = WeightMatrix::FromF32(values[next], m->rows, m->cols);
        ++next;
      }
    }
  }
  if (next != values.size()) {
    return InvalidArgument(dir_ + ": new adapter weights list has " + std::to_string(values.size()) +
                           " matrices, expected " + std::to_string(next));
  }
  return std::shared_ptr<const LoraAdapter>(std::move(copy));
}

int64_t LoraAdapter::NumParameters() const {
  int64_t n = 0;
  for (const auto& layer : layers_) {
    for (const auto& lin : layer) {
      if (lin) n += lin->a.rows * lin->a.cols + lin->b.rows * lin->b.cols;
    }
  }
  return n;
}

int64_t LoraAdapter::Bytes() const {
  int64_t bytes = 0;
  for (const auto& layer : layers_) {
    for (const auto& lin : layer) {
      if (lin) bytes += lin->a.Bytes() + lin->b.Bytes();
    }
  }
  return bytes;
}

}  // namespace edgereason
