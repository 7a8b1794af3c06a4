// Writes byte-level BPE tokenizers in Hugging Face format (tokenizer.json +
// tokenizer_config.json with a ChatML chat template): NFC, the Qwen2 split
// regex, GPT-2 byte-to-unicode spelling. Used for the tokenizers the project
// makes itself: `edgereason-train bpe`, random demo models, tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct ByteLevelBpeSpec {
  // The raw bytes of every regular id, in id order; ids 0..255 are the bytes.
  std::vector<std::string> token_bytes;
  // Merges in rank order, as the two ids merged.
  std::vector<std::pair<int32_t, int32_t>> merges;
  // Special tokens, with ids following the regular ones.
  std::vector<std::string> special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::string eos_token = "<|im_end|>";
  std::string pad_token = "<|endoftext|>";
  int64_t model_max_length = 4096;
};

// Writes both files into `dir` (created when missing), each atomically.
Status WriteByteLevelBpeTokenizer(const std::string& dir, const ByteLevelBpeSpec& spec);

// Ids: 0..255 the bytes (GPT-2 byte-to-unicode spelling), 256 <|endoftext|>,
// 257 <|im_start|>, 258 <|im_end|>.
inline constexpr int kByteTokenizerVocabSize = 259;

// The byte-level tokenizer without merges (one token per byte).
Status WriteByteLevelTokenizer(const std::string& dir);

}  // namespace edgereason
