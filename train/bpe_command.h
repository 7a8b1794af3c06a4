// `edgereason-train bpe`: trains a byte-level BPE tokenizer on text files or
// JSONL fields and writes tokenizer.json + tokenizer_config.json (ChatML chat
// template) that the runtime's Tokenizer loads.
//
// Training splits text exactly as the written tokenizer will when encoding:
// NFC, then the special tokens are cut out, then the Qwen2 pre-tokenizer
// regex through the runtime's own RegexPreTokenizer (PCRE2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason::train {

struct BpeOptions {
  std::vector<std::string> inputs;  // .jsonl files (fields below) or plain text files
  std::vector<std::string> fields = {"text"};  // JSONL fields; a "messages" array contributes its contents
  int64_t vocab_size = 8192;        // bytes + merges + special tokens
  int64_t min_frequency = 2;        // pairs rarer than this are never merged
  std::vector<std::string> special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>",
                                             "<think>", "</think>"};
  std::string eos_token = "<|im_end|>";
  std::string pad_token = "<|endoftext|>";
  int64_t model_max_length = 4096;
  std::string out_dir;
  bool json = false;
};

struct BpeReport {
  int64_t documents = 0, corpus_bytes = 0, distinct_words = 0;
  int64_t merges = 0, vocab_size = 0;
  int64_t corpus_tokens = 0;  // the corpus encoded by the written tokenizer
};

// Trains and writes the files; fills `report` when given.
Status RunBpe(const BpeOptions& options, BpeReport* report = nullptr);

}  // namespace edgereason::train
