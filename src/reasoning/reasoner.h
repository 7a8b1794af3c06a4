// The Reasoner: the whole pipeline for one question.
//
//   base prefill (shared KV, chunks of 128) ──► switcher probability ──► route
//     chat:   decode from the prompt with base weights only (no adapter rows)
//     reason: preamble with the adapter on ──► fork N streams ──► budget cap
//             ──► verification prompt per stream ──► vote ──► answer
//
// The steps are public so evaluation can run both routes (and capped copies of
// the streams) from one prompt prefill; Answer() composes them for a user.
//
// Ownership and thread-safety: a Reasoner owns its Engine and shares the
// model, tokenizer, adapter and heads (all immutable). One thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter/lora_adapter.h"
#include "base/status.h"
#include "model/model.h"
#include "reasoning/budget.h"
#include "reasoning/parallel_streams.h"
#include "reasoning/switcher.h"
#include "reasoning/verifier.h"
#include "reasoning/voting.h"
#include "runtime/engine.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {

enum class ReasoningMode { kAuto, kOn, kOff };
Result<ReasoningMode> ParseReasoningMode(const std::string& name);  // "auto", "on", "off"
const char* ReasoningModeName(ReasoningMode mode);

struct ReasonerConfig {
  ReasoningMode mode = ReasoningMode::kAuto;
  std::optional<double> threshold;  // overrides the switcher head's own
  std::string system_prompt;        // none when empty
  std::string user_template = "{question}";  // "{question}" becomes the question
  BudgetConfig budget;
  int streams = 1;
  VoteRule vote = VoteRule::kWeighted;
  bool early_stop = true;
  // 0: stop the remaining streams only when the vote cannot change; M > 0:
  // also once the leading answer leads every other by M streams
  // (VoteHasConsensus).
  int early_stop_margin = 0;
  // Streams start this many at a time (0: all N at once); the next wave starts
  // only while the vote is still open, so early stop can save whole streams
  // rather than the tails of streams that end together (ParallelStreamsConfig).
  // Without early stop every stream starts at once.
  int wave = 0;
  std::string verification_prompt = "\nIs this answer correct? Answer yes or no.\n";
  SamplingParams reason_sampling{.greedy = false, .temperature = 0.7f};
  SamplingParams chat_sampling{.greedy = true};
  int64_t chat_max_tokens = 512;
  int64_t prefill_chunk = 128;  // rows per prefill forward call
};

Status ValidateReasonerConfig(const ReasonerConfig& config);

struct ReasonerParts {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;       // required
  std::shared_ptr<const LoraAdapter> adapter;       // null: reasoning runs base weights
  std::shared_ptr<const SwitcherHead> switcher;     // null: no auto mode
  std::shared_ptr<const VerifierHead> verifier;     // null: weights 1, no best-of-N
  EngineOptions engine;
};

// The prompt after the base prefill. Release() frees its sequence.
struct PromptState {
  int32_t seq = -1;
  std::vector<int32_t> tokens;
  std::vector<float> last_logits;  // [vocab]
  std::optional<double> switcher_probability;
  double prefill_seconds = 0;
};

struct StreamOutcome {
  StreamResult stream;
  std::string text;       // the generation, decoded, less the stop token that ended it
  std::string answer;     // extracted final answer ("" when none)
  int answer_class = -1;  // index into RouteOutcome::class_answers
};

struct RouteOutcome {
  std::string route;                   // "chat" or "reason"
  std::vector<StreamOutcome> streams;  // main streams (chat: one)
  std::vector<StreamOutcome> capped;   // capped copies (ReasonOptions::branch_caps)
  std::vector<std::string> class_answers;  // representative answer per class
  std::string answer;                  // the voted final answer
  int winner_stream = -1;
  int64_t preamble_tokens = 0;
  double first_token_seconds = 0;      // prompt prefill + preamble, i.e. TTFT
  double seconds = 0;                  // preamble + decoding + verification
  int64_t generated_tokens = 0;        // main streams
  int streams_stopped_early = 0;
  int64_t tokens_saved_bound = 0;      // budget the early-stopped streams left unspent
  ParallelStreamsStats stats;
};

struct ReasonOptions {
  std::vector<int64_t> branch_caps;  // capped copies (evaluation)
  bool early_stop = true;
};

struct ReasonerAnswer {
  std::string route;
  std::optional<double> switcher_probability;
  double threshold = 0.5;
  RouteOutcome outcome;
  int64_t prompt_tokens = 0;
  int64_t prompt_tokens_encoded = 0;  // engine counter: rows prefilled for this question
  int64_t adapter_rows = 0;           // engine counter: rows run with the adapter
  double time_to_first_token = 0;
  double decode_tokens_per_second = 0;
  double kv_peak_mb = 0;
  double wall_seconds = 0;
};

class Reasoner {
 public:
  static Result<std::unique_ptr<Reasoner>> Create(ReasonerParts parts, ReasonerConfig config);

  const ReasonerConfig& config() const { return config_; }
  Status SetConfig(ReasonerConfig config);
  Engine& engine() { return *engine_; }
  const Tokenizer& tokenizer() const { return *parts_.tokenizer; }
  bool has_switcher() const { return parts_.switcher != nullptr; }
  bool has_verifier() const { return parts_.verifier != nullptr; }
  double threshold() const;

  // The chat prompt text for a question (template and system prompt applied).
  Result<std::string> PromptText(const std::string& question) const;
  // Base prefill of the question, pooling hidden states for the switcher.
  Result<PromptState> EncodePrompt(const std::string& question);
  Result<RouteOutcome> RunChat(const PromptState& prompt);
  Result<RouteOutcome> RunReason(const PromptState& prompt, const ReasonOptions& options);
  void Release(PromptState& prompt);

  // The route the config's mode and the switcher choose for a probability.
  Result<bool> ShouldReason(const std::optional<double>& probability) const;

  // End to end: encode, route, run, vote; stats from the engine counters.
  Result<ReasonerAnswer> Answer(const std::string& question);

 private:
  Reasoner(ReasonerParts parts, ReasonerConfig config, std::unique_ptr<Engine> engine,
           int16_t adapter_id);
  StreamOutcome Describe(const StreamResult& stream, bool thinking, AnswerClasses& classes) const;
  // Raises the engine's KV capacity to what `config`'s streams can hold.
  void FitKvCapacity(const ReasonerConfig& config);

  ReasonerParts parts_;
  ReasonerConfig config_;
  std::unique_ptr<Engine> engine_;
  int16_t adapter_id_ = -1;
  std::optional<ChatTemplate> chat_template_;
  std::vector<int32_t> stop_tokens_;
};

}  // namespace edgereason
