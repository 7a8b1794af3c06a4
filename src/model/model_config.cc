#include "model/model_config.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "io/json_file.h"

namespace edgereason {
namespace {

using nlohmann::json;

// Typed, range-checked reads of optional config fields. Each returns an error
// naming the file and field when the value has the wrong type or range.
class FieldReader {
 public:
  FieldReader(const json& doc, const std::string& origin) : doc_(doc), origin_(origin) {}

  Status Int(const char* field, int64_t* out, bool required, int64_t min_value = 1) const {
    auto it = doc_.find(field);
    if (it == doc_.end() || it->is_null()) {
      return required ? CorruptData(origin_ + ": missing required field '" + field + "'")
                      : Status::Ok();
    }
    if (!it->is_number_integer()) {
      return CorruptData(origin_ + ": field '" + field + "' must be an integer, got " +
                         it->dump());
    }
    const int64_t v = it->get<int64_t>();
    if (v < min_value || v > (int64_t{1} << 40)) {
      return CorruptData(origin_ + ": field '" + field + "' has out-of-range value " +
                         std::to_string(v));
    }
    *out = v;
    return Status::Ok();
  }

  Status Double(const char* field, double* out, double min_value, double max_value) const {
    auto it = doc_.find(field);
    if (it == doc_.end() || it->is_null()) return Status::Ok();
    if (!it->is_number()) {
      return CorruptData(origin_ + ": field '" + field + "' must be a number, got " + it->dump());
    }
    const double v = it->get<double>();
    if (!(v >= min_value && v <= max_value)) {
      return CorruptData(origin_ + ": field '" + field + "' has out-of-range value " + it->dump());
    }
    *out = v;
    return Status::Ok();
  }

  Status Bool(const char* field, bool* out) const {
    auto it = doc_.find(field);
    if (it == doc_.end() || it->is_null()) return Status::Ok();
    if (!it->is_boolean()) {
      return CorruptData(origin_ + ": field '" + field + "' must be true or false, got " +
                         it->dump());
    }
    *out = it->get<bool>();
    return Status::Ok();
  }

  // A token id or a list of them ("eos_token_id": 2 or [151645, 151643]).
  Status TokenIds(const char* field, std::vector<int32_t>* out) const {
    auto it = doc_.find(field);
    if (it == doc_.end() || it->is_null()) return Status::Ok();
    std::vector<json> values = it->is_array() ? it->get<std::vector<json>>() : std::vector<json>{*it};
    out->clear();
    for (const json& v : values) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
        return CorruptData(origin_ + ": field '" + field + "' must hold token ids, got " +
                           it->dump());
      }
      out->push_back(static_cast<int32_t>(v.get<int64_t>()));
    }
    return Status::Ok();
  }

  Status OptionalTokenId(const char* field, std::optional<int32_t>* out) const {
    std::vector<int32_t> ids;
    ER_RETURN_IF_ERROR(TokenIds(field, &ids));
    if (!ids.empty()) *out = ids.front();
    return Status::Ok();
  }

 private:
  const json& doc_;
  const std::string& origin_;
};

Status ParseRopeScaling(const json& doc, const std::string& origin, RopeScaling* out) {
  auto it = doc.find("rope_scaling");
  if (it == doc.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return CorruptData(origin + ": field 'rope_scaling' must be an object");
  std::string type;
  for (const char* key : {"rope_type", "type"}) {
    auto t = it->find(key);
    if (t != it->end() && t->is_string()) {
      type = t->get<std::string>();
      break;
    }
  }
  const std::string where = origin + " (rope_scaling)";
  FieldReader fields(*it, where);
  if (type == "default") return Status::Ok();
  if (type == "linear") {
    out->kind = RopeScaling::Kind::kLinear;
    ER_RETURN_IF_ERROR(fields.Double("factor", &out->factor, 1e-6, 1e6));
    return Status::Ok();
  }
  if (type == "llama3") {
    out->kind = RopeScaling::Kind::kLlama3;
    ER_RETURN_IF_ERROR(fields.Double("factor", &out->factor, 1e-6, 1e6));
    ER_RETURN_IF_ERROR(fields.Double("low_freq_factor", &out->low_freq_factor, 1e-6, 1e6));
    ER_RETURN_IF_ERROR(fields.Double("high_freq_factor", &out->high_freq_factor, 1e-6, 1e6));
    ER_RETURN_IF_ERROR(fields.Int("original_max_position_embeddings",
                                  &out->original_max_position_embeddings, true));
    if (out->high_freq_factor <= out->low_freq_factor) {
      return CorruptData(where + ": high_freq_factor must exceed low_freq_factor");
    }
    return Status::Ok();
  }
  return Unsupported(origin + ": rope_scaling type '" + type +
                     "' is not supported (supported: none, linear, llama3)");
}

}  // namespace

const char* ArchitectureName(Architecture arch) {
  switch (arch) {
    case Architecture::kQwen2: return "Qwen2ForCausalLM";
    case Architecture::kLlama: return "LlamaForCausalLM";
    case Architecture::kQwen3: return "Qwen3ForCausalLM";
  }
  return "?";
}

Result<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& origin) {
  ER_ASSIGN_OR_RETURN(json doc, ParseJson(json_text, origin));
  if (!doc.is_object()) return CorruptData(origin + ": expected a JSON object");
  ModelConfig c;
  auto arch_it = doc.find("architectures");
  if (arch_it == doc.end() || !arch_it->is_array() || arch_it->empty() ||
      !(*arch_it)[0].is_string()) {
    return CorruptData(origin + ": missing field 'architectures' (a list naming the model class)");
  }
  const std::string arch = (*arch_it)[0].get<std::string>();
  if (arch == "Qwen2ForCausalLM") {
    c.architecture = Architecture::kQwen2;
  } else if (arch == "LlamaForCausalLM") {
    c.architecture = Architecture::kLlama;
  } else if (arch == "Qwen3ForCausalLM") {
    c.architecture = Architecture::kQwen3;
  } else {
    return Unsupported(origin + ": architecture '" + arch +
                       "' is not supported (supported: Qwen2ForCausalLM, LlamaForCausalLM, "
                       "Qwen3ForCausalLM)");
  }

  FieldReader fields(doc, origin);
  ER_RETURN_IF_ERROR(fields.Int("vocab_size", &c.vocab_size, true));
  ER_RETURN_IF_ERROR(fields.Int("hidden_size", &c.hidden_size, true));
  ER_RETURN_IF_ERROR(fields.Int("intermediate_size", &c.intermediate_size, true));
  ER_RETURN_IF_ERROR(fields.Int("num_hidden_layers", &c.num_layers, true));
  ER_RETURN_IF_ERROR(fields.Int("num_attention_heads", &c.num_heads, true));
  c.num_kv_heads = c.num_heads;
  ER_RETURN_IF_ERROR(fields.Int("num_key_value_heads", &c.num_kv_heads, false));
  c.max_position_embeddings = 32768;
  ER_RETURN_IF_ERROR(fields.Int("max_position_embeddings", &c.max_position_embeddings, false));
  ER_RETURN_IF_ERROR(fields.Double("rope_theta", &c.rope_theta, 1.0, 1e12));
  ER_RETURN_IF_ERROR(fields.Double("rms_norm_eps", &c.rms_norm_eps, 0.0, 1.0));
  ER_RETURN_IF_ERROR(fields.Bool("tie_word_embeddings", &c.tie_word_embeddings));
  ER_RETURN_IF_ERROR(fields.TokenIds("eos_token_id", &c.eos_token_ids));
  ER_RETURN_IF_ERROR(fields.OptionalTokenId("bos_token_id", &c.bos_token_id));
  ER_RETURN_IF_ERROR(ParseRopeScaling(doc, origin, &c.rope_scaling));

  if (c.num_heads % c.num_kv_heads != 0) {
    return CorruptData(origin + ": num_attention_heads " + std::to_string(c.num_heads) +
                       " is not a multiple of num_key_value_heads " +
                       std::to_string(c.num_kv_heads));
  }
  if (doc.contains("head_dim") && !doc["head_dim"].is_null()) {
    ER_RETURN_IF_ERROR(fields.Int("head_dim", &c.head_dim, true));
  } else {
    if (c.hidden_size % c.num_heads != 0) {
      return CorruptData(origin + ": hidden_size " + std::to_string(c.hidden_size) +
                         " is not a multiple of num_attention_heads " +
                         std::to_string(c.num_heads) + " and no head_dim is given");
    }
    c.head_dim = c.hidden_size / c.num_heads;
  }
  if (c.head_dim % 2 != 0) {
    return CorruptData(origin + ": head_dim " + std::to_string(c.head_dim) +
                       " must be even for rotary embeddings");
  }

  std::string act = "silu";
  for (const char* key : {"hidden_act", "hidden_activation"}) {
    if (doc.contains(key) && doc[key].is_string()) act = doc[key].get<std::string>();
  }
  if (act != "silu" && act != "swish") {
    return Unsupported(origin + ": hidden_act '" + act + "' is not supported (only silu)");
  }
  bool sliding = false;
  ER_RETURN_IF_ERROR(fields.Bool("use_sliding_window", &sliding));
  if (sliding) {
    return Unsupported(origin + ": use_sliding_window=true is not supported");
  }

  switch (c.architecture) {
    case Architecture::kQwen2:
      c.qkv_bias = true;
      break;
    case Architecture::kLlama: {
      bool attention_bias = false;
      ER_RETURN_IF_ERROR(fields.Bool("attention_bias", &attention_bias));
      ER_RETURN_IF_ERROR(fields.Bool("mlp_bias", &c.mlp_bias));
      c.qkv_bias = c.o_bias = attention_bias;
      break;
    }
    case Architecture::kQwen3: {
      ER_RETURN_IF_ERROR(fields.Bool("attention_bias", &c.qkv_bias));
      c.o_bias = c.qkv_bias;
      c.qk_norm = true;
      break;
    }
  }
  return c;
}

Result<ModelConfig> LoadModelConfig(const std::string& model_dir) {
  const std::string path = JoinPath(model_dir, "config.json");
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseModelConfig(text, path);
}

Result<GenerationConfig> ParseGenerationConfig(const std::string& json_text,
                                               const std::string& origin) {
  ER_ASSIGN_OR_RETURN(json doc, ParseJson(json_text, origin));
  if (!doc.is_object()) return CorruptData(origin + ": expected a JSON object");
  GenerationConfig g;
  FieldReader fields(doc, origin);
  ER_RETURN_IF_ERROR(fields.TokenIds("eos_token_id", &g.eos_token_ids));
  ER_RETURN_IF_ERROR(fields.OptionalTokenId("bos_token_id", &g.bos_token_id));
  ER_RETURN_IF_ERROR(fields.OptionalTokenId("pad_token_id", &g.pad_token_id));
  ER_RETURN_IF_ERROR(fields.Bool("do_sample", &g.do_sample));
  ER_RETURN_IF_ERROR(fields.Double("temperature", &g.temperature, 0.0, 1e6));
  ER_RETURN_IF_ERROR(fields.Int("top_k", &g.top_k, false, 0));
  ER_RETURN_IF_ERROR(fields.Double("top_p", &g.top_p, 0.0, 1.0));
  ER_RETURN_IF_ERROR(fields.Double("min_p", &g.min_p, 0.0, 1.0));
  ER_RETURN_IF_ERROR(fields.Double("repetition_penalty", &g.repetition_penalty, 1e-6, 1e6));
  int64_t max_new = 0;
  ER_RETURN_IF_ERROR(fields.Int("max_new_tokens", &max_new, false));
  if (max_new > 0) g.max_new_tokens = max_new;
  return g;
}

Result<GenerationConfig> LoadGenerationConfig(const std::string& model_dir,
                                              const ModelConfig& model) {
  const std::string path = JoinPath(model_dir, "generation_config.json");
  GenerationConfig g;
  if (FileExists(path)) {
    ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    ER_ASSIGN_OR_RETURN(g, ParseGenerationConfig(text, path));
  }
  if (g.eos_token_ids.empty()) g.eos_token_ids = model.eos_token_ids;
  if (!g.bos_token_id) g.bos_token_id = model.bos_token_id;
  return g;
}

}  // namespace edgereason
