#include "tokenizer/tokenizer_json.h"

#include "tokenizer/json_fields.h"

namespace edgereason {
namespace {

// The "type" of a component object, or an error naming `where`.
Result<std::string> ComponentType(const nlohmann::json& component, const std::string& where) {
  if (!component.is_object()) {
    return CorruptData(where + " is " + JsonTypeName(component) + ", expected an object.");
  }
  const nlohmann::json* type = FindMember(component, "type");
  if (type == nullptr || !type->is_string()) {
    return CorruptData(FieldPath(where, "type") + " is missing or not a string.");
  }
  return type->get<std::string>();
}

Status ParseModel(const nlohmann::json& model, const std::string& where,
                  TokenizerDefinition& def) {
  if (!model.is_object()) {
    return CorruptData(where + " is " + JsonTypeName(model) + ", expected an object.");
  }
  // Older files omit model.type; a vocab plus merges can only be BPE.
  if (FindMember(model, "type") != nullptr) {
    ER_ASSIGN_OR_RETURN(std::string type, ComponentType(model, where));
    if (type != "BPE") {
      return Unsupported(FieldPath(where, "type") + " is \"" + type +
                         "\"; only BPE models are supported.");
    }
  }
  const nlohmann::json* vocab = FindMember(model, "vocab");
  if (vocab == nullptr) return CorruptData(FieldPath(where, "vocab") + " is missing.");
  def.sources.vocab = FieldPath(where, "vocab");
  ER_ASSIGN_OR_RETURN(def.vocab, ParseVocabObject(*vocab, def.sources.vocab));
  const nlohmann::json* merges = FindMember(model, "merges");
  if (merges == nullptr) return CorruptData(FieldPath(where, "merges") + " is missing.");
  def.sources.merges = FieldPath(where, "merges");
  def.sources.merge_position_word = "entry";
  ER_ASSIGN_OR_RETURN(def.merges, ParseMergesArray(*merges, def.sources.merges));

  const nlohmann::json* dropout = FindMember(model, "dropout");
  if (dropout != nullptr && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0)) {
    return Unsupported(FieldPath(where, "dropout") + " is " + dropout->dump() +
                       "; BPE dropout is not supported.");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    std::optional<std::string> affix;
    ER_RETURN_IF_ERROR(ReadOptionalString(model, key, where, affix));
    if (affix && !affix->empty()) {
      return Unsupported(FieldPath(where, key) + " is \"" + *affix +
                         "\"; only byte-level BPE without affixes is supported.");
    }
  }
  bool byte_fallback = false;
  ER_RETURN_IF_ERROR(ReadOptionalBool(model, "byte_fallback", where, byte_fallback));
  if (byte_fallback) {
    return Unsupported(FieldPath(where, "byte_fallback") +
                       " is true; byte-fallback BPE is not supported.");
  }
  ER_RETURN_IF_ERROR(ReadOptionalString(model, "unk_token", where, def.bpe_options.unk_token));
  ER_RETURN_IF_ERROR(ReadOptionalBool(model, "fuse_unk", where, def.bpe_options.fuse_unk));
  ER_RETURN_IF_ERROR(
      ReadOptionalBool(model, "ignore_merges", where, def.bpe_options.ignore_merges));
  return Status::Ok();
}

Status ParseNormalizer(const nlohmann::json& normalizer, const std::string& where,
                       TokenizerDefinition& def) {
  if (normalizer.is_null()) return Status::Ok();
  ER_ASSIGN_OR_RETURN(std::string type, ComponentType(normalizer, where));
  if (type == "NFC") {
    def.nfc = true;
    return Status::Ok();
  }
  if (type == "Sequence") {
    const nlohmann::json* steps = FindMember(normalizer, "normalizers");
    const std::string steps_where = FieldPath(where, "normalizers");
    if (steps == nullptr || !steps->is_array()) {
      return CorruptData(steps_where + " is missing or not an array.");
    }
    for (size_t i = 0; i < steps->size(); ++i) {
      ER_RETURN_IF_ERROR(
          ParseNormalizer((*steps)[i], steps_where + "[" + std::to_string(i) + "]", def));
    }
    return Status::Ok();
  }
  return Unsupported(FieldPath(where, "type") + " is \"" + type +
                     "\"; only NFC normalization is supported.");
}

Status ParsePreTokenizerStep(const nlohmann::json& step, const std::string& where,
                             bool& saw_byte_level, TokenizerDefinition& def) {
  ER_ASSIGN_OR_RETURN(std::string type, ComponentType(step, where));
  if (saw_byte_level) {
    return Unsupported(where + " (\"" + type +
                       "\") follows the ByteLevel step; ByteLevel must come last.");
  }
  if (type == "Split") {
    SplitStep split;
    split.origin = FieldPath(where, "pattern");
    const nlohmann::json* pattern = FindMember(step, "pattern");
    const nlohmann::json* regex = pattern != nullptr ? FindMember(*pattern, "Regex") : nullptr;
    const nlohmann::json* literal = pattern != nullptr ? FindMember(*pattern, "String") : nullptr;
    if (regex != nullptr && regex->is_string()) {
      split.pattern = regex->get<std::string>();
    } else if (literal != nullptr && literal->is_string()) {
      split.pattern = literal->get<std::string>();
      split.literal = true;
    } else {
      return CorruptData(split.origin + " is not {\"Regex\": ...} or {\"String\": ...}.");
    }
    const nlohmann::json* behavior = FindMember(step, "behavior");
    if (behavior == nullptr || !behavior->is_string() ||
        behavior->get<std::string>() != "Isolated") {
      return Unsupported(FieldPath(where, "behavior") + " is " +
                         (behavior ? behavior->dump() : std::string("missing")) +
                         "; only \"Isolated\" is supported.");
    }
    bool invert = false;
    ER_RETURN_IF_ERROR(ReadOptionalBool(step, "invert", where, invert));
    if (invert) return Unsupported(FieldPath(where, "invert") + " is true; not supported.");
    def.splits.push_back(std::move(split));
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    saw_byte_level = true;
    ER_RETURN_IF_ERROR(ReadOptionalBool(step, "add_prefix_space", where,
                                        def.byte_level_add_prefix_space));
    def.byte_level_use_regex = true;  // the `tokenizers` default
    ER_RETURN_IF_ERROR(ReadOptionalBool(step, "use_regex", where, def.byte_level_use_regex));
    return Status::Ok();
  }
  return Unsupported(FieldPath(where, "type") + " is \"" + type +
                     "\"; only Split and ByteLevel pre-tokenizers are supported.");
}

Status ParsePreTokenizer(const nlohmann::json& pre, const std::string& where,
                         TokenizerDefinition& def) {
  if (pre.is_null()) {
    return Unsupported(where + " is null; byte-level BPE needs a ByteLevel pre-tokenizer.");
  }
  ER_ASSIGN_OR_RETURN(std::string type, ComponentType(pre, where));
  bool saw_byte_level = false;
  if (type == "Sequence") {
    const nlohmann::json* steps = FindMember(pre, "pretokenizers");
    const std::string steps_where = FieldPath(where, "pretokenizers");
    if (steps == nullptr || !steps->is_array()) {
      return CorruptData(steps_where + " is missing or not an array.");
    }
    for (size_t i = 0; i < steps->size(); ++i) {
      ER_RETURN_IF_ERROR(ParsePreTokenizerStep(
          (*steps)[i], steps_where + "[" + std::to_string(i) + "]", saw_byte_level, def));
    }
  } else {
    ER_RETURN_IF_ERROR(ParsePreTokenizerStep(pre, where, saw_byte_level, def));
  }
  if (!saw_byte_level) {
    return Unsupported(where + " has no ByteLevel step; only byte-level BPE is supported.");
  }
  return Status::Ok();
}

Status ParseAddedTokens(const nlohmann::json& added, const std::string& where,
                        TokenizerDefinition& def) {
  def.added_tokens_origin = where;
  if (added.is_null()) return Status::Ok();
  if (!added.is_array()) {
    return CorruptData(where + " is " + JsonTypeName(added) + ", expected an array.");
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const nlohmann::json& entry = added[i];
    const std::string entry_where = where + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) return CorruptData(entry_where + " is not an object.");
    AddedToken token;
    const nlohmann::json* id = FindMember(entry, "id");
    if (id == nullptr) return CorruptData(FieldPath(entry_where, "id") + " is missing.");
    ER_ASSIGN_OR_RETURN(int64_t id_value, ReadInteger(*id, FieldPath(entry_where, "id")));
    if (id_value < 0 || id_value > kMaxTokenId) {
      return CorruptData(FieldPath(entry_where, "id") + " is " + std::to_string(id_value) +
                         ", outside [0, " + std::to_string(kMaxTokenId) + "].");
    }
    token.id = static_cast<int32_t>(id_value);
    std::optional<std::string> content;
    ER_RETURN_IF_ERROR(ReadOptionalString(entry, "content", entry_where, content));
    if (!content || content->empty()) {
      return CorruptData(FieldPath(entry_where, "content") + " is missing or empty.");
    }
    token.content = std::move(*content);
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "special", entry_where, token.special));
    token.normalized = !token.special;
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "normalized", entry_where, token.normalized));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "lstrip", entry_where, token.lstrip));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "rstrip", entry_where, token.rstrip));
    ER_RETURN_IF_ERROR(ReadOptionalBool(entry, "single_word", entry_where, token.single_word));
    def.added_tokens.push_back(std::move(token));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, int32_t>>> ParseVocabObject(const nlohmann::json& vocab,
                                                                       const std::string& where) {
  if (!vocab.is_object()) {
    return CorruptData(where + " is " + JsonTypeName(vocab) + ", expected an object.");
  }
  std::vector<std::pair<std::string, int32_t>> entries;
  entries.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) {
      return CorruptData(where + "[\"" + token + "\"] is " + JsonTypeName(id) +
                         ", expected an integer id.");
    }
    ER_ASSIGN_OR_RETURN(int64_t value, ReadInteger(id, where + "[\"" + token + "\"]"));
    if (value < 0 || value > kMaxTokenId) {
      return CorruptData(where + "[\"" + token + "\"] is " + std::to_string(value) +
                         ", outside [0, " + std::to_string(kMaxTokenId) + "].");
    }
    entries.emplace_back(token, static_cast<int32_t>(value));
  }
  return entries;
}

Result<std::vector<MergeRule>> ParseMergesArray(const nlohmann::json& merges,
                                                const std::string& where) {
  if (!merges.is_array()) {
    return CorruptData(where + " is " + JsonTypeName(merges) + ", expected an array.");
  }
  std::vector<MergeRule> rules;
  rules.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const nlohmann::json& entry = merges[i];
    MergeRule rule;
    rule.position = i;
    if (entry.is_string()) {
      const std::string& text = entry.get_ref<const std::string&>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        return CorruptData(where + "[" + std::to_string(i) + "] is \"" + text +
                           "\", expected two tokens separated by one space.");
      }
      rule.left = text.substr(0, space);
      rule.right = text.substr(space + 1);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
               entry[1].is_string()) {
      rule.left = entry[0].get<std::string>();
      rule.right = entry[1].get<std::string>();
    } else {
      return CorruptData(where + "[" + std::to_string(i) +
                         "] is neither \"a b\" nor [\"a\", \"b\"].");
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<TokenizerDefinition> ParseTokenizerJson(const nlohmann::json& doc,
                                               const std::string& path) {
  if (!doc.is_object()) {
    return CorruptData(path + " holds " + JsonTypeName(doc) + ", expected a JSON object.");
  }
  TokenizerDefinition def;
  const nlohmann::json* model = FindMember(doc, "model");
  if (model == nullptr) return CorruptData(FieldPath(path, "model") + " is missing.");
  ER_RETURN_IF_ERROR(ParseModel(*model, FieldPath(path, "model"), def));

  static const nlohmann::json kNull;
  const nlohmann::json* normalizer = FindMember(doc, "normalizer");
  ER_RETURN_IF_ERROR(
      ParseNormalizer(normalizer ? *normalizer : kNull, FieldPath(path, "normalizer"), def));
  const nlohmann::json* pre = FindMember(doc, "pre_tokenizer");
  ER_RETURN_IF_ERROR(ParsePreTokenizer(pre ? *pre : kNull, FieldPath(path, "pre_tokenizer"), def));

  const nlohmann::json* decoder = FindMember(doc, "decoder");
  const std::string decoder_where = FieldPath(path, "decoder");
  if (decoder == nullptr || decoder->is_null()) {
    return Unsupported(decoder_where + " is missing; byte-level BPE needs a ByteLevel decoder.");
  }
  ER_ASSIGN_OR_RETURN(std::string decoder_type, ComponentType(*decoder, decoder_where));
  if (decoder_type != "ByteLevel") {
    return Unsupported(FieldPath(decoder_where, "type") + " is \"" + decoder_type +
                       "\"; only the ByteLevel decoder is supported.");
  }

  const nlohmann::json* added = FindMember(doc, "added_tokens");
  ER_RETURN_IF_ERROR(ParseAddedTokens(added ? *added : kNull, FieldPath(path, "added_tokens"), def));
  return def;
}

}  // namespace edgereason
