#include "tokenizer/tokenizer_config_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "base/file.h"
#include "io/json_file.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/json_fields.h"

namespace edgereason {
namespace {

// bos_token and friends: a string, null, or an AddedToken object whose
// "content" is the string.
Status ReadTokenName(const nlohmann::json& config, const std::string& key,
                     const std::string& origin, std::string& out) {
  const nlohmann::json* value = FindMember(config, key);
  if (value == nullptr || value->is_null()) return Status::Ok();
  if (value->is_string()) {
    out = value->get<std::string>();
    return Status::Ok();
  }
  if (value->is_object()) {
    const nlohmann::json* content = FindMember(*value, "content");
    if (content != nullptr && content->is_string()) {
      out = content->get<std::string>();
      return Status::Ok();
    }
  }
  return CorruptData(origin + " field " + key + " is " + JsonTypeName(*value) +
                     ", expected a string or an object with a string \"content\".");
}

Status ReadChatTemplate(const nlohmann::json& config, const std::string& origin,
                        std::string& out) {
  const nlohmann::json* value = FindMember(config, "chat_template");
  if (value == nullptr || value->is_null()) return Status::Ok();
  if (value->is_string()) {
    out = value->get<std::string>();
    return Status::Ok();
  }
  if (value->is_array()) {
    // Named templates: [{"name": "default", "template": "..."}, ...].
    for (size_t i = 0; i < value->size(); ++i) {
      const nlohmann::json& entry = (*value)[i];
      const nlohmann::json* name = FindMember(entry, "name");
      const nlohmann::json* source = FindMember(entry, "template");
      if (name == nullptr || !name->is_string() || source == nullptr || !source->is_string()) {
        return CorruptData(origin + " field chat_template[" + std::to_string(i) +
                           "] is not an object with string \"name\" and \"template\".");
      }
      if (name->get<std::string>() == "default") out = source->get<std::string>();
    }
    return Status::Ok();
  }
  return CorruptData(origin + " field chat_template is " + JsonTypeName(*value) +
                     ", expected a string or a list of {name, template}.");
}

Status ReadModelMaxLength(const nlohmann::json& config, const std::string& origin,
                          int64_t& out) {
  const nlohmann::json* value = FindMember(config, "model_max_length");
  if (value == nullptr || value->is_null()) return Status::Ok();
  const std::string where = origin + " field model_max_length";
  // transformers writes "unlimited" as 1e30 (VERY_LARGE_INTEGER): clamp.
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    out = std::numeric_limits<int64_t>::max();
    return Status::Ok();
  }
  if (value->is_number_float() && std::isfinite(value->get<double>()) &&
      value->get<double>() >= 9.2e18) {
    out = std::numeric_limits<int64_t>::max();
    return Status::Ok();
  }
  ER_ASSIGN_OR_RETURN(int64_t length, ReadInteger(*value, where));
  if (length < 0) return CorruptData(where + " is negative (" + std::to_string(length) + ").");
  out = length;
  return Status::Ok();
}

Status ReadAddedTokensDecoder(const nlohmann::json& config, const std::string& origin,
                              std::vector<AddedToken>& out) {
  const nlohmann::json* decoder = FindMember(config, "added_tokens_decoder");
  if (decoder == nullptr || decoder->is_null()) return Status::Ok();
  const std::string where = FieldPath(origin, "added_tokens_decoder");
  if (!decoder->is_object()) {
    return CorruptData(where + " is " + JsonTypeName(*decoder) + ", expected an object.");
  }
  for (const auto& [key, entry] : decoder->items()) {
    const std::string entry_where = where + "[\"" + key + "\"]";
    int64_t id = -1;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size() || id < 0 || id > kMaxTokenId) {
      return CorruptData(entry_where + " has a key that is not a token id in [0, " +
                         std::to_string(kMaxTokenId) + "].");
    }
    AddedToken token;
    token.id = static_cast<int32_t>(id);
    const nlohmann::json* content = FindMember(entry, "content");
    if (content == nullptr || !content->is_string() || content->get<std::string>().empty()) {
      return CorruptData(FieldPath(entry_where, "content") + " is missing or not a non-empty string.");
    }
    token.content = content->get<std::string>();
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "special", entry_where, token.special));
    token.normalized = !token.special;  // transformers' default
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "normalized", entry_where, token.normalized));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "lstrip", entry_where, token.lstrip));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "rstrip", entry_where, token.rstrip));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "single_word", entry_where, token.single_word));
    out.push_back(std::move(token));
  }
  std::sort(out.begin(), out.end(),
            [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });
  return Status::Ok();
}

}  // namespace

Result<TokenizerConfigFile> ReadTokenizerConfigFiles(const std::string& dir) {
  TokenizerConfigFile result;
  const std::string config_path = JoinPath(dir, "tokenizer_config.json");
  if (FileExists(config_path)) {
    result.present = true;
    ER_ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonFile(config_path));
    if (!config.is_object()) {
      return CorruptData(config_path + " holds " + JsonTypeName(config) +
                         ", expected a JSON object.");
    }
    TokenizerConfig& c = result.config;
    ER_RETURN_IF_ERROR(ReadTokenName(config, "bos_token", config_path, c.bos_token));
    ER_RETURN_IF_ERROR(ReadTokenName(config, "eos_token", config_path, c.eos_token));
    ER_RETURN_IF_ERROR(ReadTokenName(config, "pad_token", config_path, c.pad_token));
    ER_RETURN_IF_ERROR(ReadTokenName(config, "unk_token", config_path, c.unk_token));
    ER_RETURN_IF_ERROR(ReadChatTemplate(config, config_path, c.chat_template));
    ER_RETURN_IF_ERROR(
        ReadOptionalBool(config, "add_bos_token", config_path, c.add_bos_token));
    ER_RETURN_IF_ERROR(ReadModelMaxLength(config, config_path, c.model_max_length));
    ER_RETURN_IF_ERROR(ReadAddedTokensDecoder(config, config_path, result.added_tokens));
  }
  const std::string jinja_path = JoinPath(dir, "chat_template.jinja");
  if (FileExists(jinja_path)) {
    ER_ASSIGN_OR_RETURN(result.config.chat_template, ReadFile(jinja_path));
  }
  return result;
}

}  // namespace edgereason
