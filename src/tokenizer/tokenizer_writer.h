// Writes a minimal byte-level tokenizer in Hugging Face format: one token per
// byte (no merges) plus the ChatML special tokens, and a ChatML chat template.
// Used for models the project makes itself (random demo models, tests).
#pragma once

#include <string>

#include "base/status.h"

namespace edgereason {

// Ids: 0..255 the bytes (GPT-2 byte-to-unicode spelling), 256 <|endoftext|>,
// 257 <|im_start|>, 258 <|im_end|>.
inline constexpr int kByteTokenizerVocabSize = 259;

// Writes tokenizer.json and tokenizer_config.json into an existing `dir`.
Status WriteByteLevelTokenizer(const std::string& dir);

}  // namespace edgereason
