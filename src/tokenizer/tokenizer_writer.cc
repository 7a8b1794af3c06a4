#include "tokenizer/tokenizer_writer.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizer.h"

namespace edgereason {
namespace {

constexpr const char* kChatMlTemplate =
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

std::string Spelling(const std::string& bytes) {
  std::string s;
  AppendByteLevel(bytes, s);
  return s;
}

}  // namespace

Status WriteByteLevelBpeTokenizer(const std::string& dir, const ByteLevelBpeSpec& spec) {
  const auto regular = static_cast<int64_t>(spec.token_bytes.size());
  nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
  for (int64_t id = 0; id < regular; ++id) vocab[Spelling(spec.token_bytes[id])] = id;
  nlohmann::ordered_json merges = nlohmann::ordered_json::array();
  for (const auto& [left, right] : spec.merges) {
    if (left < 0 || right < 0 || left >= regular || right >= regular) {
      return InvalidArgument(dir + "/tokenizer.json: merge (" + std::to_string(left) + ", " +
                             std::to_string(right) + ") names an id outside the " +
                             std::to_string(regular) + " regular tokens");
    }
    merges.push_back(Spelling(spec.token_bytes[left]) + " " + Spelling(spec.token_bytes[right]));
  }
  nlohmann::ordered_json added = nlohmann::ordered_json::array();
  nlohmann::ordered_json added_decoder = nlohmann::ordered_json::object();
  for (size_t i = 0; i < spec.special_tokens.size(); ++i) {
    const int64_t id = regular + static_cast<int64_t>(i);
    nlohmann::ordered_json t = {{"id", id},          {"content", spec.special_tokens[i]},
                                {"single_word", false}, {"lstrip", false},
                                {"rstrip", false},   {"normalized", false},
                                {"special", true}};
    added.push_back(t);
    t.erase("id");
    added_decoder[std::to_string(id)] = t;
  }
  const nlohmann::ordered_json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                             {"trim_offsets", false}, {"use_regex", false}};
  const nlohmann::ordered_json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", std::string(kQwen2SplitPattern)}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}}},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
        {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""},
        {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab}, {"merges", merges}}}};
  ER_RETURN_IF_ERROR(CreateDirectories(dir));
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "tokenizer.json"), tokenizer.dump(1)));
  const nlohmann::ordered_json config = {{"added_tokens_decoder", added_decoder},
                                         {"bos_token", nullptr},
                                         {"eos_token", spec.eos_token},
                                         {"pad_token", spec.pad_token},
                                         {"model_max_length", spec.model_max_length},
                                         {"chat_template", kChatMlTemplate}};
  return WriteFileAtomic(JoinPath(dir, "tokenizer_config.json"), config.dump(2));
}

Status WriteByteLevelTokenizer(const std::string& dir) {
  ByteLevelBpeSpec spec;
  for (int b = 0; b < 256; ++b) spec.token_bytes.push_back(std::string(1, static_cast<char>(b)));
  return WriteByteLevelBpeTokenizer(dir, spec);
}

}  // namespace edgereason
