#include "tiny_tokenizer.h"

#include "test_util.h"
#include "tokenizer/byte_level.h"
#include "tokenizer_test_data.h"

namespace edgereason::test {

std::string ByteLevel(const std::string& text) {
  std::string out;
  AppendByteLevel(text, out);
  return out;
}

nlohmann::json TinyTokenizerJson(const std::vector<std::pair<std::string, std::string>>& merges) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteLevel(std::string(1, static_cast<char>(b)))] = b;
  nlohmann::json merge_list = nlohmann::json::array();
  int next_id = 256;
  for (const auto& [left, right] : merges) {
    merge_list.push_back(left + " " + right);
    if (!vocab.contains(left + right)) vocab[left + right] = next_id++;
  }
  return {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"vocab", vocab},
        {"merges", merge_list}}},
  };
}

std::string WriteTokenizerDir(const nlohmann::json& doc) {
  const std::string dir = MakeTempDir("er-tiny-tokenizer");
  WriteTextFile(dir, "tokenizer.json", doc.dump());
  return dir;
}

}  // namespace edgereason::test
