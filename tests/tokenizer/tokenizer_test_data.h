// Shared fixtures for the tokenizer tests: the Qwen2.5 tokenizer loaded once
// per test program through each loading path, and small file helpers.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace edgereason::test {

// Loaded from shared/data/qwen2.5-tokenizer (tokenizer.json). Aborts the
// test on failure.
const Tokenizer& QwenFromTokenizerJson();
// Loaded from a temp dir holding only copies of vocab.json, merges.txt and
// tokenizer_config.json.
const Tokenizer& QwenFromVocabAndMerges();

// Writes `content` to dir/name (creating the file); fails the test on error.
void WriteTextFile(const std::string& dir, const std::string& name, const std::string& content);

// The llama.cpp test vectors: inputs and expected ids, in file order.
struct VocabVector {
  std::string text;
  std::vector<int32_t> ids;
};
std::vector<VocabVector> ReadQwen2VocabVectors();

}  // namespace edgereason::test
