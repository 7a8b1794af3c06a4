// edgereason generate: text (or token ids) in, generated text out.
#include <iostream>
#include <optional>

#include "cli_common.h"
#include "runtime/engine.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/streaming_decoder.h"

namespace edgereason::cli {
namespace {

struct GenerateFlags {
  std::string model, prompt, chat, system, ids;
  int64_t max_new_tokens = 128;
  bool greedy = false, ignore_eos = false, json = false;
  std::optional<float> temperature, top_p, min_p, repetition_penalty;
  std::optional<int32_t> top_k;
  uint64_t seed = 0;
  int threads = 1;
  int64_t context = 0;
  std::string lora, dtype, lora_dtype = "f32", kv_dtype = "f32";
  std::optional<int64_t> lora_start;
  int parallel = 1;
};

// Greedy unless sampling is asked for by a flag or by generation_config.json.
SamplingParams ChooseSampling(const GenerateFlags& f, const GenerationConfig& g) {
  SamplingParams p;
  p.seed = f.seed;
  p.greedy = f.greedy || (!g.do_sample && !f.temperature);
  p.temperature = f.temperature.value_or(static_cast<float>(g.temperature));
  p.top_k = f.top_k.value_or(g.do_sample ? static_cast<int32_t>(g.top_k) : 0);
  p.top_p = f.top_p.value_or(g.do_sample ? static_cast<float>(g.top_p) : 1.0f);
  p.min_p = f.min_p.value_or(static_cast<float>(g.min_p));
  p.repetition_penalty = f.repetition_penalty.value_or(static_cast<float>(g.repetition_penalty));
  return p;
}

// The prompt's token ids from --ids, --prompt or --chat.
Result<std::vector<int32_t>> PromptIds(const GenerateFlags& f, const Tokenizer* tokenizer) {
  const int given = !f.ids.empty() + !f.prompt.empty() + !f.chat.empty();
  if (given != 1) {
    return InvalidArgument("give exactly one of --prompt, --chat or --ids");
  }
  if (!f.ids.empty()) return ParseTokenIds(f.ids);
  if (tokenizer == nullptr) {
    return NotFound(f.model + ": no tokenizer files (tokenizer.json or vocab.json + merges.txt); "
                    "pass token ids with --ids");
  }
  std::string text = f.prompt;
  if (!f.chat.empty()) {
    const TokenizerConfig& tc = tokenizer->config();
    if (tc.chat_template.empty()) {
      return NotFound(f.model + ": tokenizer_config.json has no chat_template; use --prompt");
    }
    ER_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::Parse(tc.chat_template,
                                                               f.model + " chat_template"));
    std::vector<ChatMessage> messages;
    if (!f.system.empty()) messages.push_back({"system", f.system});
    messages.push_back({"user", f.chat});
    ER_ASSIGN_OR_RETURN(text, tmpl.Apply(messages, true, tc.bos_token, tc.eos_token));
  }
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer->Encode(text, /*parse_special=*/true));
  const TokenizerConfig& tc = tokenizer->config();
  if (tc.add_bos_token && f.chat.empty() && !tc.bos_token.empty()) {
    if (auto bos = tokenizer->TokenToId(tc.bos_token)) ids.insert(ids.begin(), *bos);
  }
  if (ids.empty()) return InvalidArgument("the prompt is empty");
  return ids;
}

// --parallel N: N sampled streams sharing one prompt prefill.
int RunParallel(const GenerateFlags& f, Engine& engine, const std::vector<int32_t>& prompt,
                const GenerateOptions& options, const Tokenizer* tok) {
  auto results = GenerateParallel(engine, prompt, options, f.parallel);
  if (!results.ok()) return Fail("generate", results.status());
  nlohmann::ordered_json streams = nlohmann::ordered_json::array();
  int64_t generated = 0;
  for (const GenerateResult& r : *results) {
    std::string text;
    if (tok != nullptr) {
      auto decoded = DecodeKnown(*tok, r.tokens);
      if (!decoded.ok()) return Fail("generate", decoded.status());
      text = *decoded;
    }
    streams.push_back({{"tokens", r.tokens}, {"text", text}, {"stop_reason", r.stop_reason}});
    generated += static_cast<int64_t>(r.tokens.size());
  }
  const GenerateResult& first = results->front();
  const double seconds = first.decode_seconds;
  if (f.json) {
    nlohmann::ordered_json j;
    j["tokens"] = streams[0]["tokens"];
    j["text"] = streams[0]["text"];
    j["streams"] = streams;
    j["prompt_tokens"] = first.prompt_tokens;
    j["prompt_tokens_encoded"] = engine.counters().prompt_tokens_encoded;
    j["generated_tokens"] = generated;
    j["time_to_first_token_ms"] = first.prefill_seconds * 1e3;
    j["aggregate_decode_tokens_per_second"] = seconds > 0 ? generated / seconds : 0.0;
    PrintJson(j);
  } else {
    for (size_t i = 0; i < streams.size(); ++i) {
      std::cout << "--- stream " << i << "\n" << streams[i]["text"].get<std::string>() << "\n";
    }
    std::cerr << "[" << f.parallel << " streams, " << generated << " tokens, "
              << (seconds > 0 ? generated / seconds : 0.0) << " tokens/s aggregate]\n";
  }
  return 0;
}

int RunGenerate(const GenerateFlags& f) {
  auto fail = [](const Status& s) { return Fail("generate", s); };
  auto model = LoadModelFlag(f.model, f.dtype);
  if (!model.ok()) return fail(model.status());
  auto tokenizer = LoadTokenizerIfPresent(f.model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto prompt = PromptIds(f, tokenizer->get());
  if (!prompt.ok()) return fail(prompt.status());
  auto kv_dtype = ParseKvDTypeFlag(f.kv_dtype);
  if (!kv_dtype.ok()) return fail(kv_dtype.status());
  auto engine = Engine::Create(*model, {.threads = f.threads, .context_size = f.context,
                                        .kv_dtype = *kv_dtype});
  if (!engine.ok()) return fail(engine.status());

  GenerateOptions options;
  if (!f.lora.empty()) {
    auto id = AddAdapterFlag(**engine, f.lora, f.lora_dtype);
    if (!id.ok()) return fail(id.status());
    options.adapter = *id;
    options.activation_start = f.lora_start;
  } else if (f.lora_start) {
    return fail(InvalidArgument("--lora-start needs --lora"));
  }
  options.max_new_tokens = f.max_new_tokens;
  options.sampling = ChooseSampling(f, (*model)->generation_config());
  options.ignore_eos = f.ignore_eos;
  options.stop_token_ids = (*model)->generation_config().eos_token_ids;
  const Tokenizer* tok = tokenizer->get();
  if (tok != nullptr && !tok->config().eos_token.empty()) {
    if (auto eos = tok->TokenToId(tok->config().eos_token)) options.stop_token_ids.push_back(*eos);
  }

  if (f.parallel > 1) return RunParallel(f, **engine, *prompt, options, tok);

  // Streams text as it is generated unless JSON was asked for.
  std::optional<StreamingDecoder> stream;
  if (tok != nullptr && !f.json) stream.emplace(*tok);
  auto on_token = [&](int32_t token) {
    if (stream && token < tok->vocab_size()) {
      auto piece = stream->Push(token);
      if (piece.ok()) std::cout << *piece << std::flush;
    } else if (!f.json && tok == nullptr) {
      std::cout << token << ' ' << std::flush;
    }
    return true;
  };
  auto result = Generate(**engine, *prompt, options, on_token);
  if (!result.ok()) return fail(result.status());

  const double decode_tps = result->tokens.size() > 1 && result->decode_seconds > 0
                                ? (result->tokens.size() - 1) / result->decode_seconds
                                : 0.0;
  if (f.json) {
    std::string text;
    if (tok != nullptr) {
      auto decoded = DecodeKnown(*tok, result->tokens);
      if (!decoded.ok()) return fail(decoded.status());
      text = *decoded;
    }
    nlohmann::ordered_json j;
    j["tokens"] = result->tokens;
    j["text"] = text;
    j["prompt_tokens"] = result->prompt_tokens;
    j["generated_tokens"] = result->tokens.size();
    j["stop_reason"] = result->stop_reason;
    j["time_to_first_token_ms"] = result->prefill_seconds * 1e3;
    j["prefill_tokens_per_second"] =
        result->prefill_seconds > 0 ? result->prompt_tokens / result->prefill_seconds : 0.0;
    j["decode_tokens_per_second"] = decode_tps;
    PrintJson(j);
  } else {
    if (stream) std::cout << stream->Flush();
    std::cout << "\n";
    std::cerr << "[" << result->prompt_tokens << " prompt tokens, " << result->tokens.size()
              << " generated, first token after " << result->prefill_seconds * 1e3 << " ms, "
              << decode_tps << " tokens/s, stop: " << result->stop_reason << "]\n";
  }
  return 0;
}

}  // namespace

void AddGenerateCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Generate a continuation. The prompt is raw text (--prompt), a user message\n"
      "rendered with the model's chat template (--chat), or token ids (--ids; no\n"
      "tokenizer needed). Sampling defaults come from generation_config.json: greedy\n"
      "unless it sets do_sample or you pass --temp.");
  cmd->add_option("--model", f->model, "Hugging Face model directory")->required();
  cmd->add_option("--prompt", f->prompt, "raw prompt text (special tokens recognised)");
  cmd->add_option("--chat", f->chat, "a user message, rendered with the chat template");
  cmd->add_option("--system", f->system, "system message for --chat");
  cmd->add_option("--ids", f->ids, "prompt token ids, e.g. \"1 2 3\"");
  cmd->add_option("-n,--max-new-tokens", f->max_new_tokens, "tokens to generate at most")
      ->capture_default_str();
  cmd->add_flag("--greedy", f->greedy, "always take the most likely token");
  cmd->add_option("--temp", f->temperature, "sampling temperature (turns sampling on)");
  cmd->add_option("--top-k", f->top_k, "keep the k most likely tokens (0: all)");
  cmd->add_option("--top-p", f->top_p, "keep the smallest set with this probability mass");
  cmd->add_option("--min-p", f->min_p, "drop tokens below min-p × the top probability");
  cmd->add_option("--repeat-penalty", f->repetition_penalty,
                  "penalise tokens already in the prompt or output (1: off)");
  cmd->add_option("--seed", f->seed, "random seed of the sampler")->capture_default_str();
  cmd->add_flag("--ignore-eos", f->ignore_eos, "do not stop at end-of-sequence tokens");
  cmd->add_option("--threads,-t", f->threads, "threads")->capture_default_str();
  cmd->add_option("--dtype", f->dtype,
                  "weight format: f32 (default, the reference), bf16, q8_0, q4_0, q4_pc");
  cmd->add_option("--kv-dtype", f->kv_dtype, "KV cache storage: f32, f16, bf16 or int8")
      ->capture_default_str();
  cmd->add_option("--ctx", f->context, "context size in tokens (0: the model's maximum)");
  cmd->add_option("--lora", f->lora, "PEFT LoRA adapter directory (applied unmerged)");
  cmd->add_option("--lora-dtype", f->lora_dtype, kLoraDtypeHelp)
      ->capture_default_str();
  cmd->add_option("--lora-start", f->lora_start,
                  "prompt position where the adapter turns on (masked LoRA); default 0, or the "
                  "adapter's aLoRA invocation tokens");
  cmd->add_option("--parallel", f->parallel,
                  "N sampled streams sharing one prompt prefill (seeds seed..seed+N-1)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--json", f->json,
                "print one JSON object: tokens (generated ids), text, prompt_tokens, timings");
  cmd->callback([f, &exit_code] { exit_code.value = RunGenerate(*f); });
}

}  // namespace edgereason::cli
