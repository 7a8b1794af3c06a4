// tokenizer_config.json (transformers' usage settings) and chat_template.jinja.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {

struct TokenizerConfigFile {
  TokenizerConfig config;
  // From `added_tokens_decoder` ({"<id>": {content, special, lstrip, ...}}),
  // in id order; used when there is no tokenizer.json.
  std::vector<AddedToken> added_tokens;
  bool present = false;  // tokenizer_config.json exists
};

// Reads `<dir>/tokenizer_config.json` and `<dir>/chat_template.jinja`, both
// optional (the .jinja file wins over the config's chat_template).
Result<TokenizerConfigFile> ReadTokenizerConfigFiles(const std::string& dir);

}  // namespace edgereason
