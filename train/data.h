// Training data: JSONL files read row by row with errors that name the file
// and line, rendered with the model's chat template and tokenized by the
// runtime's tokenizer, so training sees exactly the ids inference will.
//
// Supervised rows (sft, pretrain):
//   {"messages": [{"role": ..., "content": ...}, ...]}  the last message is
//                                the assistant's response; loss on it only
//   {"prompt": P, "response": R}  the same as a user turn P and response R
//   {"text": T}                   raw text; loss on every token (pretrain)
// Problem rows (grpo, switcher, verifier): {"problem" | "question" | "prompt": ..,
//   "answer": .., "label": 0|1, "difficulty": k} (answer/label/difficulty as needed).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace edgereason::train {

// The tokenizer and chat template of a model directory.
struct TextCodec {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::optional<ChatTemplate> chat_template;  // absent when the model has none

  // `template_path` (a .jinja file) overrides the model's own template.
  static Result<TextCodec> Load(const std::string& model_dir, const std::string& template_path = "");
  // The prompt text of a user question, as the runtime's Reasoner renders it
  // (chat template with the generation prompt; the raw question without one).
  Result<std::string> PromptText(const std::vector<ChatMessage>& messages) const;
  Result<std::vector<int32_t>> Encode(const std::string& text) const;
};

// The text of generated ids as the Reasoner decodes a stream: ids the
// tokenizer does not know (embedding tables padded beyond it) are skipped.
std::string DecodeKnown(const Tokenizer& tokenizer, const std::vector<int32_t>& ids);

struct Example {
  std::vector<int32_t> ids;
  int64_t response_start = 0;  // loss (and the masked adapter) from here on
  int64_t line = 0;            // source line, for messages
};

struct DatasetOptions {
  bool skip_bad_rows = false;  // else the first bad row is a fatal error
  int64_t max_tokens = 1024;   // longer examples are cut (their response end is lost)
  std::string system_prompt;   // prepended to rows without a system message
  bool append_eos = true;      // end each response with the template's end token when absent
};

// Rows that failed, with line numbers; filled when rows are skipped.
struct LoadReport {
  int64_t rows = 0;
  std::vector<std::string> skipped;  // "FILE:LINE: reason"
};

Result<std::vector<Example>> LoadSupervisedJsonl(const std::string& path, const TextCodec& codec,
                                                 const DatasetOptions& options,
                                                 LoadReport* report = nullptr);

struct ProblemRow {
  std::string problem;
  std::string answer;                // "" when absent
  std::optional<double> label;       // 0/1 when given
  std::optional<int64_t> difficulty;
  int64_t line = 0;
};

Result<std::vector<ProblemRow>> LoadProblemsJsonl(const std::string& path, bool skip_bad_rows,
                                                  LoadReport* report = nullptr);

}  // namespace edgereason::train
