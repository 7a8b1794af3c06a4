// N streams decoded together from one prefilled sequence: forked without
// copying its KV, sampled with a seed per stream, each under a token budget
// (budget.h), then each verified by appending the verification prompt to its
// own KV and scoring the last row's final hidden state with the verifier head.
//
// Every step is one Engine::Decode over the rows of all live streams: one new
// token (sampled or forced) per decoding stream, plus [last token +
// verification prompt] for each stream that just finished, so verification
// rides in the same batch as the decoding of the others.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "reasoning/budget.h"
#include "reasoning/verifier.h"
#include "runtime/engine.h"
#include "sampling/sampler.h"

namespace edgereason {

struct ParallelStreamsConfig {
  int streams = 1;
  // Streams start `wave` at a time in index order (0: all at once); the next
  // wave starts when every started main stream has finished and the finish
  // callback has not stopped the run, so a vote the first waves decide never
  // spends the later waves' tokens. Stream i samples with the same seed either
  // way, so waves only leave out streams, never change them.
  int wave = 0;
  SamplingParams sampling;               // stream i samples with seed sampling.seed + i
  std::vector<int32_t> stop_token_ids;   // end a stream (never matched on forced tokens)
  BudgetConfig budget;
  // true: streams start thinking (cap, forcing, answer_tokens after the tag);
  // false: plain answers of at most budget.answer_tokens tokens.
  bool thinking = true;
  // Extra caps below budget.cap (evaluation): when a main stream reaches one
  // while still thinking, a copy is forked there and forced to answer, which
  // is exactly the stream a run with that cap would produce.
  std::vector<int64_t> branch_caps;
  // Appended to each finished stream when a verifier is given.
  std::vector<int32_t> verification_tokens;
  const VerifierHead* verifier = nullptr;
  // Record StreamResult::sampled_logprobs (one more pass of exp over the
  // vocabulary per sampled token); always on when the verifier reads them.
  bool logprobs = false;
};

struct StreamResult {
  int index = 0;            // stream index; a capped copy has its parent's
  int64_t branch_cap = 0;   // 0 for a main stream, else the cap of this copy
  std::vector<int32_t> tokens;  // generated and forced ids (a final stop token included)
  // With config.logprobs: the raw log-probability (SampledToken) of each
  // sampled token, in order; forced tokens were not drawn and have none.
  std::vector<float> sampled_logprobs;
  // "stop_token", "length" (budget spent), "context" (context full), or
  // "early_stop" (ended because the vote was decided; no tokens when its wave
  // never started).
  std::string stop_reason;
  bool forced = false;           // the cap forced the end of thinking
  std::optional<double> score;   // verifier score
  double finish_seconds = 0;     // since decoding began
};

struct ParallelStreamsStats {
  int64_t steps = 0;
  int64_t verification_rows = 0;
  int64_t peak_kv_bytes = 0;
  double seconds = 0;
};

// Called once per finished main stream, after verification, in the step it
// finished; return true to end every main stream still running ("early_stop").
using StreamFinishedCallback = std::function<bool(const StreamResult&)>;

// `root` is a prefilled sequence whose next-token logits are `root_logits`
// [vocab]; `history` holds its tokens (the repetition penalty sees them).
// `root` is left as it was; the forked sequences are freed before returning.
// Results: main streams 0..N-1 in order, then capped copies.
Result<std::vector<StreamResult>> DecodeParallelStreams(
    Engine& engine, const Tokenizer* tokenizer, int32_t root, std::span<const float> root_logits,
    std::span<const int32_t> history, const ParallelStreamsConfig& config,
    const StreamFinishedCallback& on_finished, ParallelStreamsStats* stats);

}  // namespace edgereason
