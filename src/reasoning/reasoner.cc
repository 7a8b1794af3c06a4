#include "reasoning/reasoner.h"

#include <algorithm>
#include <chrono>

#include "verify/answer_checker.h"

namespace edgereason {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Decodes a stream's tokens, skipping ids the tokenizer does not know
// (embedding tables are often padded beyond the tokenizer's vocabulary) and
// the stop token that ended it: like transformers' skip_special_tokens for the
// end of a turn, so replies do not end in "<|im_end|>".
std::string DecodeStream(const Tokenizer& tokenizer, const StreamResult& stream) {
  std::vector<int32_t> known;
  size_t end = stream.tokens.size();
  if (stream.stop_reason == "stop_token" && end > 0) --end;
  for (size_t i = 0; i < end; ++i) {
    const int32_t id = stream.tokens[i];
    if (tokenizer.IdToToken(id).has_value()) known.push_back(id);
  }
  auto text = tokenizer.Decode(known);
  return text.ok() ? *text : std::string();
}

}  // namespace

Result<ReasoningMode> ParseReasoningMode(const std::string& name) {
  if (name == "auto") return ReasoningMode::kAuto;
  if (name == "on") return ReasoningMode::kOn;
  if (name == "off") return ReasoningMode::kOff;
  return InvalidArgument("reasoning mode must be auto, on or off, got '" + name + "'");
}

const char* ReasoningModeName(ReasoningMode mode) {
  switch (mode) {
    case ReasoningMode::kAuto: return "auto";
    case ReasoningMode::kOn: return "on";
    case ReasoningMode::kOff: return "off";
  }
  return "?";
}

Status ValidateReasonerConfig(const ReasonerConfig& c) {
  ER_RETURN_IF_ERROR(ValidateBudgetConfig(c.budget));
  if (c.streams < 1 || c.streams > 256) {
    return InvalidArgument("the number of parallel streams must be in [1, 256], got " +
                           std::to_string(c.streams));
  }
  if (c.threshold && !(*c.threshold >= 0.0 && *c.threshold <= 1.0)) {
    return InvalidArgument("the switcher threshold must be in [0, 1]");
  }
  if (c.chat_max_tokens < 1) return InvalidArgument("chat_max_tokens must be at least 1");
  if (c.early_stop_margin < 0 || c.early_stop_margin > 256) {
    return InvalidArgument("the early-stop margin must be in [0, 256] streams, got " +
                           std::to_string(c.early_stop_margin));
  }
  if (c.wave < 0 || c.wave > 256) {
    return InvalidArgument("the stream wave must be in [0, 256] streams, got " + std::to_string(c.wave));
  }
  if (c.prefill_chunk < 1) return InvalidArgument("prefill_chunk must be at least 1");
  if (c.user_template.find("{question}") == std::string::npos) {
    return InvalidArgument("the user template must contain {question}");
  }
  return Status::Ok();
}

Reasoner::Reasoner(ReasonerParts parts, ReasonerConfig config, std::unique_ptr<Engine> engine,
                   int16_t adapter_id)
    : parts_(std::move(parts)), config_(std::move(config)), engine_(std::move(engine)),
      adapter_id_(adapter_id) {}

Result<std::unique_ptr<Reasoner>> Reasoner::Create(ReasonerParts parts, ReasonerConfig config) {
  if (parts.model == nullptr) return InvalidArgument("reasoner: no model");
  if (parts.tokenizer == nullptr) {
    return NotFound(parts.model->dir() + ": the reasoning pipeline needs tokenizer files");
  }
  ER_RETURN_IF_ERROR(ValidateReasonerConfig(config));
  const int64_t hidden = parts.model->config().hidden_size;
  if (parts.switcher && parts.switcher->hidden_size() != hidden) {
    return InvalidArgument("the switcher head expects hidden size " +
                           std::to_string(parts.switcher->hidden_size()) + " but the model has " +
                           std::to_string(hidden));
  }
  if (parts.verifier && parts.verifier->hidden_size() != hidden) {
    return InvalidArgument("the verifier head expects hidden size " +
                           std::to_string(parts.verifier->hidden_size()) + " but the model has " +
                           std::to_string(hidden));
  }
  ER_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Create(parts.model, parts.engine));
  int16_t adapter_id = -1;
  if (parts.adapter) {
    ER_ASSIGN_OR_RETURN(adapter_id, engine->AddAdapter(parts.adapter));
  }
  std::unique_ptr<Reasoner> r(new Reasoner(std::move(parts), std::move(config), std::move(engine),
                                           adapter_id));
  r->FitKvCapacity(r->config_);
  const Tokenizer& tok = *r->parts_.tokenizer;
  if (!tok.config().chat_template.empty()) {
    ER_ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::Parse(tok.config().chat_template,
                                                            r->parts_.model->dir() + " chat template"));
    r->chat_template_ = std::move(t);
  }
  r->stop_tokens_ = r->parts_.model->generation_config().eos_token_ids;
  if (auto eos = tok.TokenToId(tok.config().eos_token); eos && !tok.config().eos_token.empty()) {
    r->stop_tokens_.push_back(*eos);
  }
  ER_RETURN_IF_ERROR(r->SetConfig(r->config_));
  return r;
}

Status Reasoner::SetConfig(ReasonerConfig config) {
  ER_RETURN_IF_ERROR(ValidateReasonerConfig(config));
  if (config.vote == VoteRule::kBest && !parts_.verifier) {
    return InvalidArgument("best-of-N voting needs a verifier head");
  }
  if (config.mode == ReasoningMode::kAuto && !parts_.switcher) {
    return InvalidArgument("reasoning mode auto needs a switcher head (or use on/off)");
  }
  FitKvCapacity(config);
  config_ = std::move(config);
  return Status::Ok();
}

// The default capacity (4 contexts) is too small for many long streams; a
// capacity the caller chose is kept as the bound it asked for. Text lengths in
// bytes bound their tokens (byte-level BPE: a token per byte at most).
void Reasoner::FitKvCapacity(const ReasonerConfig& c) {
  if (parts_.engine.kv_capacity != 0) return;
  auto bytes = [](const std::string& s) { return static_cast<int64_t>(s.size()); };
  // Reasoning: the preamble after the prompt, then per stream its thinking,
  // the forced answer text, the answer and the verification prompt.
  engine_->FitKvCapacity(c.streams,
                         c.budget.cap + c.budget.answer_tokens + bytes(c.budget.forced_text) +
                             bytes(c.verification_prompt),
                         bytes(c.budget.preamble_template) + 32);
  engine_->FitKvCapacity(1, c.chat_max_tokens);  // chat: the prompt and its reply
}

double Reasoner::threshold() const {
  if (config_.threshold) return *config_.threshold;
  return parts_.switcher ? parts_.switcher->threshold() : 0.5;
}

Result<std::string> Reasoner::PromptText(const std::string& question) const {
  const std::string user = ReplaceAll(config_.user_template, "{question}", question);
  if (!chat_template_) return user;
  std::vector<ChatMessage> messages;
  if (!config_.system_prompt.empty()) messages.push_back({"system", config_.system_prompt});
  messages.push_back({"user", user});
  const TokenizerConfig& tc = parts_.tokenizer->config();
  return chat_template_->Apply(messages, /*add_generation_prompt=*/true, tc.bos_token, tc.eos_token);
}

Result<PromptState> Reasoner::EncodePrompt(const std::string& question) {
  const auto start = std::chrono::steady_clock::now();
  ER_ASSIGN_OR_RETURN(std::string text, PromptText(question));
  PromptState prompt;
  ER_ASSIGN_OR_RETURN(prompt.tokens, parts_.tokenizer->Encode(text, /*parse_special=*/true));
  if (prompt.tokens.empty()) return InvalidArgument("the question is empty");
  // Leave room for the answer: a prompt filling the context is refused here.
  if (static_cast<int64_t>(prompt.tokens.size()) >= engine_->context_size()) {
    return OutOfRange("the prompt has " + std::to_string(prompt.tokens.size()) +
                      " tokens but the context holds " + std::to_string(engine_->context_size()));
  }
  std::optional<HiddenPooler> pooler;
  if (parts_.switcher) pooler.emplace(parts_.switcher->hidden_size(), parts_.switcher->pooling());
  prompt.seq = engine_->AddSequence();
  HiddenChunkCallback on_chunk;
  if (pooler) {
    on_chunk = [&](std::span<const float> hidden, int64_t rows) {
      pooler->Add(hidden, rows);
      return Status::Ok();
    };
  }
  Status st = engine_->PrefillChunked(prompt.seq, prompt.tokens, config_.prefill_chunk, on_chunk,
                                      &prompt.last_logits);
  if (!st.ok()) {
    Release(prompt);
    return st;
  }
  if (pooler) prompt.switcher_probability = parts_.switcher->Probability(pooler->Pooled());
  prompt.prefill_seconds = SecondsSince(start);
  return prompt;
}

void Reasoner::Release(PromptState& prompt) {
  if (prompt.seq >= 0) (void)engine_->FreeSequence(prompt.seq);
  prompt.seq = -1;
}

Result<bool> Reasoner::ShouldReason(const std::optional<double>& probability) const {
  switch (config_.mode) {
    case ReasoningMode::kOn: return true;
    case ReasoningMode::kOff: return false;
    case ReasoningMode::kAuto:
      if (!probability) return InvalidArgument("reasoning mode auto needs a switcher head");
      return *probability >= threshold();
  }
  return false;
}

StreamOutcome Reasoner::Describe(const StreamResult& stream, bool thinking,
                                 AnswerClasses& classes) const {
  StreamOutcome o;
  o.stream = stream;
  o.text = DecodeStream(*parts_.tokenizer, stream);
  if (thinking) {
    o.answer = ReasoningAnswer(o.text, config_.budget);
  } else if (auto a = ExtractAnswer(o.text)) {
    o.answer = *a;
  }
  o.answer_class = classes.Classify(o.answer);
  return o;
}

Result<RouteOutcome> Reasoner::RunChat(const PromptState& prompt) {
  RouteOutcome route;
  route.route = "chat";
  route.first_token_seconds = prompt.prefill_seconds;
  ParallelStreamsConfig pc;
  pc.streams = 1;
  pc.sampling = config_.chat_sampling;
  pc.stop_token_ids = stop_tokens_;
  pc.budget = config_.budget;
  pc.budget.answer_tokens = config_.chat_max_tokens;
  pc.thinking = false;
  ER_ASSIGN_OR_RETURN(std::vector<StreamResult> results,
                      DecodeParallelStreams(*engine_, parts_.tokenizer.get(), prompt.seq,
                                            prompt.last_logits, prompt.tokens, pc, nullptr,
                                            &route.stats));
  AnswerClasses classes;
  route.streams.push_back(Describe(results.front(), /*thinking=*/false, classes));
  route.answer = route.streams.front().answer;
  route.winner_stream = 0;
  route.generated_tokens = static_cast<int64_t>(results.front().tokens.size());
  route.seconds = route.stats.seconds;
  for (int c = 0; c < classes.size(); ++c) route.class_answers.push_back(classes.Representative(c));
  return route;
}

Result<RouteOutcome> Reasoner::RunReason(const PromptState& prompt, const ReasonOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RouteOutcome route;
  route.route = "reason";
  // The preamble goes into a child of the prompt, so the prompt itself stays
  // base-only and a chat run can still start from it.
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> child, engine_->Fork(prompt.seq, 1));
  const int32_t root = child.front();
  struct FreeOnExit {
    Engine& engine;
    int32_t seq;
    ~FreeOnExit() { (void)engine.FreeSequence(seq); }
  } free_root{*engine_, root};
  const int64_t prompt_length = static_cast<int64_t>(prompt.tokens.size());
  ER_RETURN_IF_ERROR(engine_->SetAdapter(root, adapter_id_, prompt_length));

  std::vector<int32_t> history = prompt.tokens;
  std::vector<float> logits = prompt.last_logits;
  const std::string preamble = RenderPreamble(config_.budget);
  if (!preamble.empty()) {
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> ids, parts_.tokenizer->Encode(preamble, true));
    if (!ids.empty()) {
      ForwardOutput out;
      ER_RETURN_IF_ERROR(engine_->Prefill(root, ids, /*all_logits=*/false, &out));
      logits = std::move(out.logits);
      history.insert(history.end(), ids.begin(), ids.end());
      route.preamble_tokens = static_cast<int64_t>(ids.size());
    }
  }
  route.first_token_seconds = prompt.prefill_seconds + SecondsSince(start);

  ParallelStreamsConfig pc;
  pc.streams = config_.streams;
  pc.wave = options.early_stop ? config_.wave : 0;  // without a stop, waves would only wait
  pc.sampling = config_.reason_sampling;
  pc.stop_token_ids = stop_tokens_;
  pc.budget = config_.budget;
  pc.thinking = true;
  pc.branch_caps = options.branch_caps;
  if (parts_.verifier) {
    ER_ASSIGN_OR_RETURN(pc.verification_tokens,
                        parts_.tokenizer->Encode(config_.verification_prompt, true));
    pc.verifier = parts_.verifier.get();
  }

  // Each finished stream votes at once; the rest stop when the vote is decided.
  AnswerClasses classes;
  std::vector<Ballot> ballots;
  std::vector<std::optional<StreamOutcome>> described(config_.streams);
  auto on_finished = [&](const StreamResult& r) {
    described[r.index] = Describe(r, /*thinking=*/true, classes);
    ballots.push_back({r.index, described[r.index]->answer_class, r.score.value_or(1.0)});
    if (!options.early_stop) return false;
    const int remaining = config_.streams - static_cast<int>(ballots.size());
    return VoteHasConsensus(ballots, remaining, config_.vote, config_.early_stop_margin,
                            /*max_weight=*/1.0);
  };
  ER_ASSIGN_OR_RETURN(std::vector<StreamResult> results,
                      DecodeParallelStreams(*engine_, parts_.tokenizer.get(), root, logits,
                                            history, pc, on_finished, &route.stats));

  ER_ASSIGN_OR_RETURN(std::vector<int32_t> forced_ids,
                      parts_.tokenizer->Encode(config_.budget.forced_text, true));
  const int64_t most_per_stream = config_.budget.cap + static_cast<int64_t>(forced_ids.size()) +
                                  config_.budget.answer_tokens;
  for (const StreamResult& r : results) {
    if (r.branch_cap != 0) {
      route.capped.push_back(Describe(r, /*thinking=*/true, classes));
      continue;
    }
    route.generated_tokens += static_cast<int64_t>(r.tokens.size());
    if (r.stop_reason == "early_stop") {
      StreamOutcome o;
      o.stream = r;
      o.text = DecodeStream(*parts_.tokenizer, r);
      route.streams.push_back(std::move(o));
      ++route.streams_stopped_early;
      route.tokens_saved_bound +=
          std::max<int64_t>(0, most_per_stream - static_cast<int64_t>(r.tokens.size()));
      continue;
    }
    route.streams.push_back(described[r.index] ? *described[r.index]
                                               : Describe(r, /*thinking=*/true, classes));
  }
  const VoteOutcome vote = Tally(ballots, config_.vote);
  if (vote.winner_class >= 0) {
    route.answer = classes.Representative(vote.winner_class);
    route.winner_stream = vote.winner_stream;
  }
  for (int c = 0; c < classes.size(); ++c) route.class_answers.push_back(classes.Representative(c));
  route.seconds = SecondsSince(start);
  return route;
}

Result<ReasonerAnswer> Reasoner::Answer(const std::string& question) {
  const auto start = std::chrono::steady_clock::now();
  const EngineCounters before = engine_->counters();
  ReasonerAnswer answer;
  ER_ASSIGN_OR_RETURN(PromptState prompt, EncodePrompt(question));
  const int64_t prompt_kv = engine_->kv_cache().BytesInUse();
  answer.switcher_probability = prompt.switcher_probability;
  answer.threshold = threshold();
  answer.prompt_tokens = static_cast<int64_t>(prompt.tokens.size());
  auto reason = ShouldReason(prompt.switcher_probability);
  if (!reason.ok()) {
    Release(prompt);
    return reason.status();
  }
  ReasonOptions options;
  options.early_stop = config_.early_stop;
  Result<RouteOutcome> outcome = *reason ? RunReason(prompt, options) : RunChat(prompt);
  Release(prompt);
  if (!outcome.ok()) return outcome.status();
  answer.outcome = std::move(*outcome);
  answer.route = answer.outcome.route;
  const EngineCounters& after = engine_->counters();
  answer.prompt_tokens_encoded = after.prompt_tokens_encoded - before.prompt_tokens_encoded;
  answer.adapter_rows = after.adapter_rows - before.adapter_rows;
  answer.time_to_first_token = answer.outcome.first_token_seconds;
  const double decode_seconds = answer.outcome.stats.seconds;
  answer.decode_tokens_per_second =
      decode_seconds > 0 ? answer.outcome.generated_tokens / decode_seconds : 0.0;
  answer.kv_peak_mb =
      static_cast<double>(std::max(prompt_kv, answer.outcome.stats.peak_kv_bytes)) / (1 << 20);
  answer.wall_seconds = SecondsSince(start);
  return answer;
}

}  // namespace edgereason
