// Everything a tokenizer directory says, parsed and checked but not yet
// indexed: the BPE vocabulary and merges, added tokens, the normalizer and
// pre-tokenizer choices, and the usage settings of tokenizer_config.json.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {

// One regex split step of the pre-tokenizer (Split, behavior Isolated).
struct SplitStep {
  std::string pattern;
  bool literal = false;  // the pattern is a plain string, not a regex
  std::string origin;    // file and field, for errors
};

struct TokenizerDefinition {
  std::vector<std::pair<std::string, int32_t>> vocab;
  std::vector<MergeRule> merges;
  BpeOptions bpe_options;
  BpeSources sources;
  std::vector<AddedToken> added_tokens;
  std::string added_tokens_origin;  // e.g. "<dir>/tokenizer.json field added_tokens"
  bool nfc = false;
  // Regex splits in order, then the ByteLevel step (optional prefix space,
  // then the GPT-2 split when use_regex).
  std::vector<SplitStep> splits;
  bool byte_level_add_prefix_space = false;
  bool byte_level_use_regex = false;
  TokenizerConfig config;
};

// Reads the directory: tokenizer.json if present, else vocab.json +
// merges.txt (+ tokenizer_config.json's added_tokens_decoder) with the Qwen2
// pattern and NFC; plus tokenizer_config.json and chat_template.jinja.
Result<TokenizerDefinition> ReadTokenizerDirectory(const std::string& dir);

}  // namespace edgereason
