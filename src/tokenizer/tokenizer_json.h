// Parsing of Hugging Face's tokenizer.json (the `tokenizers` serialization)
// for byte-level BPE: model, added_tokens, normalizer, pre_tokenizer, decoder.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "tokenizer/tokenizer_definition.h"

namespace edgereason {

// Fills everything but `config` from the parsed document; `path` names the
// file in errors. Anything beyond NFC / Split(Isolated) + ByteLevel / BPE /
// ByteLevel decoding is rejected as unsupported. post_processor is ignored:
// Encode never adds BOS/EOS itself.
Result<TokenizerDefinition> ParseTokenizerJson(const nlohmann::json& doc, const std::string& path);

// Parses merges given as "left right" strings or ["left", "right"] pairs.
// `where` names the array in errors.
Result<std::vector<MergeRule>> ParseMergesArray(const nlohmann::json& merges,
                                                const std::string& where);

// Parses a {"token": id, ...} object. `where` names it in errors.
Result<std::vector<std::pair<std::string, int32_t>>> ParseVocabObject(const nlohmann::json& vocab,
                                                                       const std::string& where);

}  // namespace edgereason
