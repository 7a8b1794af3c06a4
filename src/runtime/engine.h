// The engine: runs a shared, read-only Model for many sequences, owning the
// KV cache, the thread pool and the forward pass's scratch.
//
// Ownership and thread-safety: an Engine is driven by one thread at a time;
// several engines may share one Model. Sequences are identified by the ids
// AddSequence returns and live until FreeSequence.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "kv/kv_cache.h"
#include "model/forward.h"
#include "model/model.h"
#include "sampling/sampler.h"

namespace edgereason {

struct EngineOptions {
  int threads = 1;
  // Longest sequence allowed (prompt + generated); 0 means the model's
  // max_position_embeddings.
  int64_t context_size = 0;
  // Total positions the KV cache may hold over all live sequences; 0 means
  // 4 × context_size.
  int64_t kv_capacity = 0;
};

// Counters of work done since the engine was created.
struct EngineCounters {
  int64_t prompt_tokens_encoded = 0;  // rows run through Prefill
  int64_t tokens_decoded = 0;         // rows run through Decode
  int64_t forward_calls = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(std::shared_ptr<const Model> model,
                                                const EngineOptions& options);

  const Model& model() const { return *model_; }
  int64_t context_size() const { return context_size_; }
  const EngineCounters& counters() const { return counters_; }
  const KvCache& kv_cache() const { return kv_; }

  int32_t AddSequence() { return kv_.AddSequence(); }
  Status FreeSequence(int32_t seq) { return kv_.FreeSequence(seq); }
  int64_t SequenceLength(int32_t seq) const { return kv_.Length(seq); }

  // Appends `tokens` to `seq` in one batch. out->logits holds the last
  // token's logits, or every token's when `all_logits`.
  Status Prefill(int32_t seq, std::span<const int32_t> tokens, bool all_logits,
                 ForwardOutput* out);

  // Runs arbitrary rows (e.g. one new token for each of many sequences).
  Status Decode(std::span<const TokenRow> rows, ForwardOutput* out,
                const ForwardOptions& options = {});

 private:
  Engine(std::shared_ptr<const Model> model, const EngineOptions& options, int64_t context_size);
  Status CheckContext(std::span<const TokenRow> rows) const;

  std::shared_ptr<const Model> model_;
  int64_t context_size_;
  ThreadPool pool_;
  KvCache kv_;
  ForwardPass pass_;
  EngineCounters counters_;
};

// Generation of one sequence from a prompt.
struct GenerateOptions {
  int64_t max_new_tokens = 128;
  SamplingParams sampling;
  std::vector<int32_t> stop_token_ids;  // e.g. the model's eos ids
  bool ignore_eos = false;              // keep going through stop tokens
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids (a stop token that ended it included)
  std::string stop_reason;      // "stop_token" or "length"
  int64_t prompt_tokens = 0;
  double prefill_seconds = 0;   // time to first token
  double decode_seconds = 0;    // the remaining tokens
};

// Called with each new token; return false to stop early.
using TokenCallback = std::function<bool(int32_t token)>;

// Prefills `prompt` into a fresh sequence, then samples until a stop token,
// max_new_tokens or the context limit; frees the sequence at the end.
Result<GenerateResult> Generate(Engine& engine, std::span<const int32_t> prompt,
                                const GenerateOptions& options,
                                const TokenCallback& on_token = nullptr);

}  // namespace edgereason
