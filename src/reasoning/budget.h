// Budget control for reasoning streams (s1-style budget forcing).
//
//   shared prompt (base weights) | preamble (adapter on) | thinking ... </think> answer
//
// The preamble is text appended after the shared chat prompt and run with the
// adapter on, so the prompt prefix, and its KV cache, is the same in chat and
// reasoning mode. It states the budget bucket: "{budget}" in the template
// becomes the smallest bucket that holds the stream's cap (the largest bucket
// when none does).
//
// The hard cap: a stream may generate `cap` tokens freely. If it has not closed
// its thinking by then, the forced text (default "\n</think>\n\nFinal answer:
// \boxed{") is fed to it token by token through the ordinary decode path, and
// it then writes at most `answer_tokens` more. If the stream already wrote the
// start of the forced text (say "\n</th"), only the rest is forced, so a
// multi-token tag is never doubled. The end tag is matched on bytes, so it is
// found however the tokenizer split it. A stream that closes its thinking
// itself gets `answer_tokens` more after the tag.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {

struct BudgetConfig {
  std::string preamble_template = "<think>\nThinking budget: {budget} tokens.\n";
  std::vector<int64_t> buckets = {1000, 3000, 4000, 6000};
  std::string think_start_tag = "<think>";
  std::string think_end_tag = "</think>";
  // Fed when the cap is reached; must contain think_end_tag.
  std::string forced_text = "\n</think>\n\nFinal answer: \\boxed{";
  int64_t cap = 4096;           // tokens a stream may generate before forcing
  int64_t answer_tokens = 64;   // tokens after the end tag (forced or not)
};

Status ValidateBudgetConfig(const BudgetConfig& config);

// The bucket stated for `cap`.
int64_t BudgetBucket(const BudgetConfig& config, int64_t cap);
// The preamble text with "{budget}" replaced by the bucket.
std::string RenderPreamble(const BudgetConfig& config);

// A generation split at the (first) end-of-thinking tag. Without the tag, all
// of it is thinking and `closed` is false.
struct ThinkingSplit {
  std::string thinking;  // without a leading start tag
  std::string answer;    // after the end tag, trimmed
  bool closed = false;
};
ThinkingSplit SplitThinking(std::string_view text, const BudgetConfig& config);

// The final answer of a reasoning generation: extracted from the answer part
// (a forced "\boxed{" left open by a short answer budget is closed first),
// else from the thinking part; "" when there is none.
std::string ReasoningAnswer(std::string_view text, const BudgetConfig& config);

// Per-stream budget state: decides, token by token, whether the next token is
// sampled or forced, and when the stream is done. Works on token bytes, so it
// never splits a UTF-8 character or a tag it matches.
class BudgetTracker {
 public:
  enum class Phase { kThinking, kForcing, kAnswer, kDone };

  // `forced_ids` is unused when the tokenizer is null (budget forcing needs
  // one); `tokenizer` must outlive the tracker.
  BudgetTracker(const BudgetConfig& config, const Tokenizer* tokenizer, bool thinking);

  Phase phase() const { return phase_; }
  bool forced_cap() const { return forced_cap_; }
  int64_t generated() const { return generated_; }
  // While forcing: the next forced token.
  int32_t NextForced() const { return forced_[forced_next_]; }
  // Records the stream's next token (sampled or forced) and advances the phase.
  Status Push(int32_t token);
  // Forces the answer now, as if the cap had been reached (a capped copy of a
  // stream forked at a smaller cap). Only while thinking.
  Status ForceAnswer();

 private:
  Status StartForcing();

  const BudgetConfig* config_;
  const Tokenizer* tokenizer_;
  Phase phase_;
  bool forced_cap_ = false;
  int64_t generated_ = 0;
  int64_t answer_generated_ = 0;
  std::string tail_;  // the last bytes generated, enough to match the tags
  std::vector<int32_t> forced_;
  size_t forced_next_ = 0;
};

}  // namespace edgereason
