#include "runtime/engine.h"

#include <algorithm>
#include <limits>
#include <map>

namespace edgereason {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Engine::Engine(std::shared_ptr<const Model> model, const EngineOptions& options,
               int64_t context_size)
    : model_(model),
      context_size_(context_size),
      pool_(options.threads),
      kv_({model->config().num_layers, model->config().num_kv_heads, model->config().head_dim},
          options.kv_capacity > 0 ? options.kv_capacity : 4 * context_size, /*block_size=*/16,
          options.kv_dtype),
      pass_(model),
      prefill_chunk_(options.prefill_chunk) {}

Result<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const Model> model,
                                               const EngineOptions& options) {
  if (model == nullptr) return InvalidArgument("engine: no model given");
  if (options.threads < 1 || options.threads > 1024) {
    return InvalidArgument("engine: --threads must be between 1 and 1024, got " +
                           std::to_string(options.threads));
  }
  if (options.context_size < 0) {
    return InvalidArgument("engine: context size must not be negative");
  }
  if (options.prefill_chunk < 1) {
    return InvalidArgument("engine: the prefill chunk must be at least 1 row, got " +
                           std::to_string(options.prefill_chunk));
  }
  const int64_t model_max = model->config().max_position_embeddings;
  const int64_t context = options.context_size > 0 ? options.context_size : model_max;
  return std::unique_ptr<Engine>(new Engine(std::move(model), options, context));
}

Result<int16_t> Engine::AddAdapter(std::shared_ptr<const LoraAdapter> adapter) {
  if (adapter == nullptr) return InvalidArgument("engine: null adapter");
  if (adapters_.size() >= static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    return OutOfRange("engine: too many adapters");
  }
  adapters_.push_back(std::move(adapter));
  adapter_ptrs_.push_back(adapters_.back().get());
  return static_cast<int16_t>(adapters_.size() - 1);
}

Status Engine::ReplaceAdapter(int16_t id, std::shared_ptr<const LoraAdapter> adapter) {
  if (adapter == nullptr) return InvalidArgument("engine: null adapter");
  if (id < 0 || static_cast<size_t>(id) >= adapters_.size()) {
    return InvalidArgument("engine: no adapter with id " + std::to_string(id));
  }
  const LoraAdapter& old = *adapters_[id];
  for (int64_t l = 0; l < model_->config().num_layers; ++l) {
    for (int s = 0; s < kNumLinearSlots; ++s) {
      const LoraLinear* a = old.Find(l, static_cast<LinearSlot>(s));
      const LoraLinear* b = adapter->Find(l, static_cast<LinearSlot>(s));
      if ((a == nullptr) != (b == nullptr) || (a && a->rank() != b->rank())) {
        return InvalidArgument("engine: replacement adapter differs from adapter " +
                               std::to_string(id) + " in targets or ranks at layer " +
                               std::to_string(l));
      }
    }
  }
  adapters_[id] = std::move(adapter);
  adapter_ptrs_[id] = adapters_[id].get();
  return Status::Ok();
}

const LoraAdapter* Engine::adapter(int16_t id) const {
  return id >= 0 && static_cast<size_t>(id) < adapter_ptrs_.size() ? adapter_ptrs_[id] : nullptr;
}

int32_t Engine::AddSequence() {
  const int32_t seq = kv_.AddSequence();
  if (sequence_adapters_.size() <= static_cast<size_t>(seq)) sequence_adapters_.resize(seq + 1);
  sequence_adapters_[seq] = SequenceAdapter{};
  return seq;
}

Status Engine::FreeSequence(int32_t seq) { return kv_.FreeSequence(seq); }

Status Engine::SetAdapter(int32_t seq, int16_t adapter_id, int64_t activation_start) {
  if (!kv_.HasSequence(seq)) return InvalidArgument("engine: unknown sequence " + std::to_string(seq));
  if (adapter_id != -1 && adapter(adapter_id) == nullptr) {
    return InvalidArgument("engine: unknown adapter " + std::to_string(adapter_id));
  }
  if (activation_start < 0) return InvalidArgument("engine: negative activation start");
  sequence_adapters_[seq] = {adapter_id, activation_start};
  return Status::Ok();
}

Result<std::vector<int32_t>> Engine::Fork(int32_t seq, int count) {
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> children, kv_.Fork(seq, count));
  for (int32_t child : children) {
    if (sequence_adapters_.size() <= static_cast<size_t>(child)) {
      sequence_adapters_.resize(child + 1);
    }
    sequence_adapters_[child] = sequence_adapters_[seq];
  }
  return children;
}

Status Engine::CheckContext(std::span<const TokenRow> rows) const {
  for (const TokenRow& r : rows) {
    if (r.pos >= context_size_) {
      return OutOfRange("sequence " + std::to_string(r.seq) + " would reach position " +
                        std::to_string(r.pos) + " but the context holds " +
                        std::to_string(context_size_) + " tokens");
    }
  }
  return Status::Ok();
}

Status Engine::Run(std::vector<TokenRow>& rows, const ForwardOptions& options,
                   ForwardOutput* out) {
  for (TokenRow& r : rows) {
    r.adapter = -1;
    if (r.seq >= 0 && static_cast<size_t>(r.seq) < sequence_adapters_.size()) {
      const SequenceAdapter& a = sequence_adapters_[r.seq];
      if (a.adapter >= 0 && r.pos >= a.activation_start) r.adapter = a.adapter;
    }
  }
  ER_RETURN_IF_ERROR(pass_.Run(rows, kv_, pool_, options, out, adapter_ptrs_));
  ++counters_.forward_calls;
  for (const TokenRow& r : rows) counters_.adapter_rows += r.adapter >= 0;
  return Status::Ok();
}

Result<int64_t> Engine::PromptStart(int32_t seq, std::span<const int32_t> tokens) const {
  if (tokens.empty()) return InvalidArgument("prefill: the prompt is empty");
  if (!kv_.HasSequence(seq)) return InvalidArgument("prefill: unknown sequence");
  const int64_t start = kv_.Length(seq);
  if (start + static_cast<int64_t>(tokens.size()) > context_size_) {
    return OutOfRange("the prompt has " + std::to_string(tokens.size()) +
                      " tokens but the context holds " + std::to_string(context_size_) +
                      (start > 0 ? " (with " + std::to_string(start) + " already cached)" : ""));
  }
  return start;
}

void Engine::PromptRows(int32_t seq, int64_t start, std::span<const int32_t> tokens, int64_t begin,
                        int64_t end, bool all_outputs, std::vector<TokenRow>& rows) {
  const int64_t total = static_cast<int64_t>(tokens.size());
  rows.resize(end - begin);
  for (int64_t i = begin; i < end; ++i) {
    rows[i - begin] = {seq, static_cast<int32_t>(start + i), tokens[i], all_outputs || i + 1 == total};
  }
}

Status Engine::Prefill(int32_t seq, std::span<const int32_t> tokens, bool all_logits,
                       ForwardOutput* out) {
  ER_ASSIGN_OR_RETURN(const int64_t start, PromptStart(seq, tokens));
  // Chunks of prefill_chunk_ rows; every chunk's outputs are appended, so the
  // result is that of one call over the whole prompt.
  const int64_t total = static_cast<int64_t>(tokens.size());
  ForwardOutput chunk_out;
  ForwardOutput* target = total <= prefill_chunk_ ? out : &chunk_out;
  if (target != out) *out = ForwardOutput{};
  std::vector<TokenRow> rows;
  for (int64_t begin = 0; begin < total; begin += prefill_chunk_) {
    const int64_t end = std::min(total, begin + prefill_chunk_);
    PromptRows(seq, start, tokens, begin, end, all_logits, rows);
    ER_RETURN_IF_ERROR(Run(rows, {}, target));
    counters_.prompt_tokens_encoded += end - begin;
    if (target != out) {
      out->num_outputs += target->num_outputs;
      out->final_hidden.insert(out->final_hidden.end(), target->final_hidden.begin(), target->final_hidden.end());
      out->logits.insert(out->logits.end(), target->logits.begin(), target->logits.end());
    }
  }
  return Status::Ok();
}

Status Engine::PrefillChunked(int32_t seq, std::span<const int32_t> tokens, int64_t chunk_rows,
                              const HiddenChunkCallback& on_chunk,
                              std::vector<float>* last_logits) {
  if (chunk_rows < 1) return InvalidArgument("prefill: chunk size must be at least 1");
  ER_ASSIGN_OR_RETURN(const int64_t start, PromptStart(seq, tokens));
  ForwardOutput out;
  std::vector<TokenRow> rows;
  const int64_t total = static_cast<int64_t>(tokens.size());
  for (int64_t begin = 0; begin < total; begin += chunk_rows) {
    const int64_t end = std::min(total, begin + chunk_rows);
    PromptRows(seq, start, tokens, begin, end, /*all_outputs=*/true, rows);
    const bool last = end == total;
    ForwardOptions options{.logits = last && last_logits != nullptr,
                           .logits_last_output_only = true};
    ER_RETURN_IF_ERROR(Run(rows, options, &out));
    counters_.prompt_tokens_encoded += end - begin;
    if (on_chunk) ER_RETURN_IF_ERROR(on_chunk(out.final_hidden, end - begin));
    if (options.logits) *last_logits = std::move(out.logits);
  }
  return Status::Ok();
}

Status Engine::Decode(std::span<const TokenRow> rows, ForwardOutput* out,
                      const ForwardOptions& options) {
  ER_RETURN_IF_ERROR(CheckContext(rows));
  std::vector<TokenRow> own(rows.begin(), rows.end());
  ER_RETURN_IF_ERROR(Run(own, options, out));
  counters_.tokens_decoded += static_cast<int64_t>(rows.size());
  return Status::Ok();
}

Result<int64_t> ResolveActivationStart(const Engine& engine, std::span<const int32_t> prompt,
                                       const GenerateOptions& options) {
  if (options.adapter < 0) return int64_t{0};
  const LoraAdapter* adapter = engine.adapter(options.adapter);
  if (adapter == nullptr) return InvalidArgument("generate: unknown adapter");
  if (options.activation_start) {
    const int64_t k = *options.activation_start;
    if (k < 0 || k > static_cast<int64_t>(prompt.size())) {
      return OutOfRange("--lora-start " + std::to_string(k) + " is beyond the prompt of " +
                        std::to_string(prompt.size()) + " tokens");
    }
    return k;
  }
  if (!adapter->invocation_tokens().empty()) {
    // aLoRA: on from the last invocation; never on when it does not occur.
    auto start = FindInvocationStart(std::vector<int32_t>(prompt.begin(), prompt.end()),
                                     adapter->invocation_tokens());
    return start.value_or(std::numeric_limits<int64_t>::max());
  }
  return int64_t{0};
}

namespace {

// Decodes `streams` sequences forked from one prefilled prompt, in one batch
// per step, until each stops. `on_token` (single stream only) sees each token.
Result<std::vector<GenerateResult>> RunStreams(Engine& engine, std::span<const int32_t> prompt,
                                               const GenerateOptions& options, int streams,
                                               const TokenCallback& on_token) {
  if (options.max_new_tokens < 0) {
    return InvalidArgument("generate: max_new_tokens must not be negative");
  }
  if (streams < 1) return InvalidArgument("generate: the number of streams must be at least 1");
  ER_ASSIGN_OR_RETURN(int64_t activation_start, ResolveActivationStart(engine, prompt, options));

  const int32_t root = engine.AddSequence();
  std::vector<int32_t> seqs = {root};
  auto cleanup = [&] {
    for (int32_t s : seqs) (void)engine.FreeSequence(s);
  };
  Status status = engine.SetAdapter(root, options.adapter, activation_start);
  auto start = std::chrono::steady_clock::now();
  ForwardOutput out;
  if (status.ok()) status = engine.Prefill(root, prompt, /*all_logits=*/false, &out);
  if (status.ok() && streams > 1) {
    auto children = engine.Fork(root, streams - 1);
    if (children.ok()) seqs.insert(seqs.end(), children->begin(), children->end());
    else status = children.status();
  }
  if (!status.ok()) {
    cleanup();
    return status;
  }
  const double ttft = SecondsSince(start);
  start = std::chrono::steady_clock::now();

  const int64_t vocab = engine.model().config().vocab_size;
  std::vector<GenerateResult> results(streams);
  std::vector<Sampler> samplers;
  std::vector<std::vector<int32_t>> history(streams, std::vector<int32_t>(prompt.begin(), prompt.end()));
  // Every stream starts from the prompt's last logits.
  std::vector<std::vector<float>> logits(streams, std::vector<float>(out.logits.end() - vocab, out.logits.end()));
  for (int i = 0; i < streams; ++i) {
    SamplingParams p = options.sampling;
    p.seed += static_cast<uint64_t>(i);
    samplers.emplace_back(p);
    results[i].prompt_tokens = static_cast<int64_t>(prompt.size());
    results[i].prefill_seconds = ttft;
    results[i].stop_reason = "length";
  }
  std::vector<bool> active(streams, options.max_new_tokens > 0);
  std::vector<TokenRow> rows;
  std::vector<int> row_stream;
  while (true) {
    rows.clear();
    row_stream.clear();
    for (int i = 0; i < streams; ++i) {
      if (!active[i]) continue;
      int32_t token = 0;
      if (options.logprobs) {
        const SampledToken sampled = samplers[i].SampleWithLogProb(logits[i], history[i]);
        token = sampled.id;
        results[i].logprobs.push_back(sampled.logprob);
      } else {
        token = samplers[i].Sample(logits[i], history[i]);
      }
      results[i].tokens.push_back(token);
      history[i].push_back(token);
      const bool is_stop = std::find(options.stop_token_ids.begin(), options.stop_token_ids.end(),
                                     token) != options.stop_token_ids.end();
      if (on_token && !on_token(token)) {
        results[i].stop_reason = "callback";
        active[i] = false;
      } else if (is_stop && !options.ignore_eos) {
        results[i].stop_reason = "stop_token";
        active[i] = false;
      } else if (static_cast<int64_t>(results[i].tokens.size()) >= options.max_new_tokens) {
        active[i] = false;
      } else if (engine.SequenceLength(seqs[i]) >= engine.context_size()) {
        results[i].stop_reason = "context";
        active[i] = false;
      }
      if (!active[i]) continue;
      rows.push_back({seqs[i], static_cast<int32_t>(engine.SequenceLength(seqs[i])), token, true});
      row_stream.push_back(i);
    }
    if (rows.empty()) break;
    status = engine.Decode(rows, &out);
    if (!status.ok()) {
      cleanup();
      return status;
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      auto& l = logits[row_stream[r]];
      std::copy_n(out.logits.data() + r * vocab, vocab, l.data());
    }
  }
  const double decode_seconds = SecondsSince(start);
  for (auto& r : results) r.decode_seconds = decode_seconds;
  cleanup();
  return results;
}

}  // namespace

Result<GenerateResult> Generate(Engine& engine, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TokenCallback& on_token) {
  ER_ASSIGN_OR_RETURN(std::vector<GenerateResult> results,
                      RunStreams(engine, prompt, options, 1, on_token));
  return std::move(results.front());
}

Result<std::vector<GenerateResult>> GenerateParallel(Engine& engine,
                                                     std::span<const int32_t> prompt,
                                                     const GenerateOptions& options, int streams) {
  return RunStreams(engine, prompt, options, streams, nullptr);
}

}  // namespace edgereason
