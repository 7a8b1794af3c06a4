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
#include <optional>
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
  KvDType kv_dtype = KvDType::kF32;
  // Prompt rows run through the model per forward call (llama.cpp's ubatch):
  // bounds prefill's activation memory (about 25 KB per row on
  // Qwen2.5-0.5B) without changing results.
  int64_t prefill_chunk = 256;
};

// Counters of work done since the engine was created.
struct EngineCounters {
  int64_t prompt_tokens_encoded = 0;  // rows run through Prefill
  int64_t tokens_decoded = 0;         // rows run through Decode
  int64_t forward_calls = 0;
  int64_t adapter_rows = 0;           // rows that ran with an adapter on
};

// Receives one prefill chunk's final hidden states [rows, hidden] (after the
// final norm); the span is valid only during the call.
using HiddenChunkCallback = std::function<Status(std::span<const float> hidden, int64_t rows)>;

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(std::shared_ptr<const Model> model,
                                                const EngineOptions& options);

  const Model& model() const { return *model_; }
  int64_t context_size() const { return context_size_; }
  const EngineCounters& counters() const { return counters_; }
  const KvCache& kv_cache() const { return kv_; }
  // Raises the KV cache's capacity (never lowers it) to what `streams`
  // sequences forked from one prompt can hold at once: the prompt up to the
  // whole context plus `shared` positions after it, then per stream
  // `per_stream` positions and two blocks (the copy-on-write of the shared
  // last block, and its own partly filled one).
  void FitKvCapacity(int64_t streams, int64_t per_stream, int64_t shared = 0) {
    kv_.RaiseCapacity(context_size_ + shared + streams * (per_stream + 2 * kv_.block_size()));
  }

  // Makes an adapter available to sequences; returns its id. The adapter must
  // fit this engine's model.
  Result<int16_t> AddAdapter(std::shared_ptr<const LoraAdapter> adapter);
  const LoraAdapter* adapter(int16_t id) const;
  // Swaps the weights behind adapter `id` (e.g. a trainer's update); it must
  // have the same targets and ranks. Cached KV is kept as it is: sequences see
  // the new weights from their next forward call.
  Status ReplaceAdapter(int16_t id, std::shared_ptr<const LoraAdapter> adapter);

  int32_t AddSequence();
  Status FreeSequence(int32_t seq);
  int64_t SequenceLength(int32_t seq) const { return kv_.Length(seq); }
  // Runs `seq` with adapter `adapter` (-1: none) on every position from
  // `activation_start` on; positions before it use base weights (masked LoRA:
  // a prompt prefilled by the base model is reused as it is).
  Status SetAdapter(int32_t seq, int16_t adapter, int64_t activation_start);
  // `count` children sharing all of `seq`'s cached positions (no copy) and
  // its adapter setting.
  Result<std::vector<int32_t>> Fork(int32_t seq, int count);

  // Appends `tokens` to `seq` in one batch. out->logits holds the last
  // token's logits, or every token's when `all_logits`.
  Status Prefill(int32_t seq, std::span<const int32_t> tokens, bool all_logits,
                 ForwardOutput* out);

  // Appends `tokens` to `seq` like Prefill, in forward calls of at most
  // `chunk_rows` rows, handing every row's final hidden state to `on_chunk`
  // chunk by chunk (memory stays bounded by one chunk). No logits are computed
  // except the last token's, into `last_logits` [vocab] when it is not null.
  Status PrefillChunked(int32_t seq, std::span<const int32_t> tokens, int64_t chunk_rows,
                        const HiddenChunkCallback& on_chunk, std::vector<float>* last_logits);

  // Runs rows of many sequences together (e.g. one new token each). Each
  // row's adapter comes from its sequence's SetAdapter.
  Status Decode(std::span<const TokenRow> rows, ForwardOutput* out,
                const ForwardOptions& options = {});

 private:
  Engine(std::shared_ptr<const Model> model, const EngineOptions& options, int64_t context_size);
  Status CheckContext(std::span<const TokenRow> rows) const;
  Status Run(std::vector<TokenRow>& rows, const ForwardOptions& options, ForwardOutput* out);
  // The position a prompt of `tokens` appended to `seq` starts at, or why it
  // cannot be (empty, unknown sequence, longer than the context).
  Result<int64_t> PromptStart(int32_t seq, std::span<const int32_t> tokens) const;
  // Rows [begin, end) of that prompt; a row outputs when all_outputs or it is
  // the prompt's last.
  static void PromptRows(int32_t seq, int64_t start, std::span<const int32_t> tokens, int64_t begin,
                         int64_t end, bool all_outputs, std::vector<TokenRow>& rows);

  struct SequenceAdapter {
    int16_t adapter = -1;
    int64_t activation_start = 0;
  };

  std::shared_ptr<const Model> model_;
  int64_t context_size_;
  ThreadPool pool_;
  KvCache kv_;
  ForwardPass pass_;
  int64_t prefill_chunk_;  // rows per prefill forward call
  EngineCounters counters_;
  std::vector<std::shared_ptr<const LoraAdapter>> adapters_;
  std::vector<const LoraAdapter*> adapter_ptrs_;  // view of adapters_ for the forward pass
  std::vector<SequenceAdapter> sequence_adapters_;  // [seq]
};

// Generation of one sequence from a prompt.
struct GenerateOptions {
  int64_t max_new_tokens = 128;
  // Adapter id from Engine::AddAdapter (-1: base model) and where it turns on
  // in the prompt: an explicit position, else the adapter's aLoRA invocation
  // tokens, else position 0 (plain LoRA on every token).
  int16_t adapter = -1;
  std::optional<int64_t> activation_start;
  SamplingParams sampling;
  std::vector<int32_t> stop_token_ids;  // e.g. the model's eos ids
  bool ignore_eos = false;              // keep going through stop tokens
  // Fill GenerateResult::logprobs: one more pass of exp over the vocabulary
  // per token (at Qwen2's 152k entries, comparable to a small model's step).
  bool logprobs = false;
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids (a stop token that ended it included)
  std::vector<float> logprobs;  // [tokens] each token's raw log-probability, with options.logprobs
  std::string stop_reason;      // "stop_token" or "length"
  int64_t prompt_tokens = 0;
  double prefill_seconds = 0;   // time to first token
  double decode_seconds = 0;    // the remaining tokens
};

// Where the adapter of `options` turns on for `prompt` (see GenerateOptions);
// an explicit start beyond the prompt is an error.
Result<int64_t> ResolveActivationStart(const Engine& engine, std::span<const int32_t> prompt,
                                       const GenerateOptions& options);

// Called with each new token; return false to stop early.
using TokenCallback = std::function<bool(int32_t token)>;

// Prefills `prompt` into a fresh sequence, then samples until a stop token,
// max_new_tokens or the context limit; frees the sequence at the end.
Result<GenerateResult> Generate(Engine& engine, std::span<const int32_t> prompt,
                                const GenerateOptions& options,
                                const TokenCallback& on_token = nullptr);

// N streams from one prompt: the prompt is encoded once, forked N ways
// without copying its KV, and the streams are decoded together in one batch,
// stream i sampling with seed options.sampling.seed + i. prefill_seconds of
// each result is the shared time to first token.
Result<std::vector<GenerateResult>> GenerateParallel(Engine& engine,
                                                     std::span<const int32_t> prompt,
                                                     const GenerateOptions& options, int streams);

}  // namespace edgereason
