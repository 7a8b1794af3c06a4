#include "tokenizer/tokenizer_writer.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "tokenizer/byte_level.h"

namespace edgereason {
namespace {

constexpr const char* kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr const char* kChatMlTemplate =
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

}  // namespace

Status WriteByteLevelTokenizer(const std::string& dir) {
  nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
  for (int b = 0; b < 256; ++b) {
    std::string token;
    AppendByteLevel(std::string(1, static_cast<char>(b)), token);
    vocab[token] = b;
  }
  const char* specials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  nlohmann::ordered_json added = nlohmann::ordered_json::array();
  nlohmann::ordered_json added_decoder = nlohmann::ordered_json::object();
  for (int i = 0; i < 3; ++i) {
    nlohmann::ordered_json t = {{"id", 256 + i},         {"content", specials[i]},
                                {"single_word", false},  {"lstrip", false},
                                {"rstrip", false},       {"normalized", false},
                                {"special", true}};
    added.push_back(t);
    t.erase("id");
    added_decoder[std::to_string(256 + i)] = t;
  }
  nlohmann::ordered_json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", kQwen2Pattern}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"},
           {"add_prefix_space", false},
           {"trim_offsets", false},
           {"use_regex", false}}}}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false},
                   {"use_regex", false}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
        {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""},
        {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
        {"merges", nlohmann::ordered_json::array()}}}};
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "tokenizer.json"), tokenizer.dump(1)));
  nlohmann::ordered_json config = {{"added_tokens_decoder", added_decoder},
                                   {"bos_token", nullptr},
                                   {"eos_token", "<|im_end|>"},
                                   {"pad_token", "<|endoftext|>"},
                                   {"model_max_length", 4096},
                                   {"chat_template", kChatMlTemplate}};
  return WriteFileAtomic(JoinPath(dir, "tokenizer_config.json"), config.dump(2));
}

}  // namespace edgereason
