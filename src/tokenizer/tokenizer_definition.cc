#include "tokenizer/tokenizer_definition.h"

#include "base/file.h"
#include "io/json_file.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer_config_file.h"
#include "tokenizer/tokenizer_json.h"

namespace edgereason {
namespace {

// merges.txt: an optional "#version" header, then one "left right" pair per
// line (Hugging Face's rules: any line starting with "#version" is skipped,
// every other line must split on ' ' into exactly two parts).
Result<std::vector<MergeRule>> ReadMergesTxt(const std::string& path) {
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<MergeRule> rules;
  size_t line_start = 0;
  size_t line_number = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    line_start = line_end + 1;
    if (line.starts_with("#version")) continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      return CorruptData(path + " line " + std::to_string(line_number) +
                         " is not two tokens separated by one space.");
    }
    rules.push_back({std::string(line.substr(0, space)), std::string(line.substr(space + 1)),
                     line_number});
  }
  return rules;
}

Result<TokenizerDefinition> ReadVocabAndMerges(const std::string& dir,
                                               std::vector<AddedToken> added_tokens) {
  const std::string vocab_path = JoinPath(dir, "vocab.json");
  const std::string merges_path = JoinPath(dir, "merges.txt");
  TokenizerDefinition def;
  ER_ASSIGN_OR_RETURN(nlohmann::json vocab, ReadJsonFile(vocab_path));
  def.sources.vocab = vocab_path;
  ER_ASSIGN_OR_RETURN(def.vocab, ParseVocabObject(vocab, vocab_path));
  def.sources.merges = merges_path;
  def.sources.merge_position_word = "line";
  ER_ASSIGN_OR_RETURN(def.merges, ReadMergesTxt(merges_path));
  // What transformers' Qwen2Tokenizer does: NFC, the Qwen2 split, byte level.
  def.nfc = true;
  def.splits.push_back({std::string(kQwen2SplitPattern), false, "the built-in Qwen2 pattern"});
  def.added_tokens = std::move(added_tokens);
  def.added_tokens_origin = FieldPath(JoinPath(dir, "tokenizer_config.json"),
                                      "added_tokens_decoder");
  return def;
}

}  // namespace

Result<TokenizerDefinition> ReadTokenizerDirectory(const std::string& dir) {
  if (!IsDirectory(dir)) return NotFound(dir + ": no such tokenizer directory.");
  ER_ASSIGN_OR_RETURN(TokenizerConfigFile config_file, ReadTokenizerConfigFiles(dir));

  const std::string json_path = JoinPath(dir, "tokenizer.json");
  TokenizerDefinition def;
  if (FileExists(json_path)) {
    ER_ASSIGN_OR_RETURN(nlohmann::json doc, ReadJsonFile(json_path));
    ER_ASSIGN_OR_RETURN(def, ParseTokenizerJson(doc, json_path));
  } else if (FileExists(JoinPath(dir, "vocab.json")) || FileExists(JoinPath(dir, "merges.txt"))) {
    ER_ASSIGN_OR_RETURN(def, ReadVocabAndMerges(dir, std::move(config_file.added_tokens)));
  } else {
    return NotFound(dir + " holds neither tokenizer.json nor vocab.json + merges.txt.");
  }
  def.config = std::move(config_file.config);
  return def;
}

}  // namespace edgereason
