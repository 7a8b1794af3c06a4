#include "runtime/engine.h"

#include <algorithm>
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
          options.kv_capacity > 0 ? options.kv_capacity : 4 * context_size),
      pass_(model) {}

Result<std::unique_ptr<Engine>> Engine::Create(std::shared_ptr<const Model> model,
                                               const EngineOptions& options) {
  if (model == nullptr) return InvalidArgument("engine: no model given");
  if (options.threads < 1 || options.threads > 1024) {
    return InvalidArgument("engine: --threads must be between 1 and 1024, got " +
                           std::to_string(options.threads));
  }
  const int64_t model_max = model->config().max_position_embeddings;
  if (options.context_size < 0) {
    return InvalidArgument("engine: context size must not be negative");
  }
  const int64_t context = options.context_size > 0 ? options.context_size : model_max;
  return std::unique_ptr<Engine>(new Engine(std::move(model), options, context));
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

Status Engine::Prefill(int32_t seq, std::span<const int32_t> tokens, bool all_logits,
                       ForwardOutput* out) {
  if (tokens.empty()) return InvalidArgument("prefill: the prompt is empty");
  if (!kv_.HasSequence(seq)) return InvalidArgument("prefill: unknown sequence");
  const int64_t start = kv_.Length(seq);
  if (start + static_cast<int64_t>(tokens.size()) > context_size_) {
    return OutOfRange("the prompt has " + std::to_string(tokens.size()) +
                      " tokens but the context holds " + std::to_string(context_size_) +
                      (start > 0 ? " (with " + std::to_string(start) + " already cached)" : ""));
  }
  std::vector<TokenRow> rows(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    rows[i] = {seq, static_cast<int32_t>(start + i), tokens[i],
               all_logits || i + 1 == tokens.size()};
  }
  ER_RETURN_IF_ERROR(pass_.Run(rows, kv_, pool_, {}, out));
  counters_.prompt_tokens_encoded += static_cast<int64_t>(tokens.size());
  ++counters_.forward_calls;
  return Status::Ok();
}

Status Engine::Decode(std::span<const TokenRow> rows, ForwardOutput* out,
                      const ForwardOptions& options) {
  ER_RETURN_IF_ERROR(CheckContext(rows));
  ER_RETURN_IF_ERROR(pass_.Run(rows, kv_, pool_, options, out));
  counters_.tokens_decoded += static_cast<int64_t>(rows.size());
  ++counters_.forward_calls;
  return Status::Ok();
}

Result<GenerateResult> Generate(Engine& engine, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TokenCallback& on_token) {
  if (options.max_new_tokens < 0) {
    return InvalidArgument("generate: max_new_tokens must not be negative");
  }
  GenerateResult result;
  result.prompt_tokens = static_cast<int64_t>(prompt.size());
  const int32_t seq = engine.AddSequence();
  auto start = std::chrono::steady_clock::now();
  ForwardOutput out;
  Status status = engine.Prefill(seq, prompt, /*all_logits=*/false, &out);
  if (!status.ok()) {
    (void)engine.FreeSequence(seq);
    return status;
  }
  result.prefill_seconds = SecondsSince(start);
  start = std::chrono::steady_clock::now();

  Sampler sampler(options.sampling);
  std::vector<int32_t> history(prompt.begin(), prompt.end());
  const int64_t vocab = engine.model().config().vocab_size;
  result.stop_reason = "length";
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    std::span<float> logits(out.logits.data() + (out.num_outputs - 1) * vocab, vocab);
    const int32_t token = sampler.Sample(logits, history);
    result.tokens.push_back(token);
    history.push_back(token);
    if (on_token && !on_token(token)) {
      result.stop_reason = "callback";
      break;
    }
    const bool is_stop = std::find(options.stop_token_ids.begin(), options.stop_token_ids.end(),
                                   token) != options.stop_token_ids.end();
    if (is_stop && !options.ignore_eos) {
      result.stop_reason = "stop_token";
      break;
    }
    if (step + 1 == options.max_new_tokens) break;
    const int64_t pos = engine.SequenceLength(seq);
    if (pos >= engine.context_size()) {
      result.stop_reason = "context";
      break;
    }
    TokenRow row{seq, static_cast<int32_t>(pos), token, true};
    status = engine.Decode({&row, 1}, &out);
    if (!status.ok()) {
      (void)engine.FreeSequence(seq);
      return status;
    }
  }
  result.decode_seconds = SecondsSince(start);
  (void)engine.FreeSequence(seq);
  return result;
}

}  // namespace edgereason
