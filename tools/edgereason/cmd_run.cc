// edgereason run: one question through the whole pipeline (switcher, chat or
// reasoning with budget forcing, parallel streams, verifier, vote).
#include <cstdio>
#include <iostream>
#include <optional>

#include "base/file.h"
#include "cli_common.h"
#include "reasoning/bundle.h"
#include "reasoning/reasoner.h"

namespace edgereason::cli {
namespace {

struct RunFlags {
  std::string bundle, model, lora, switcher, verifier, dtype, question;
  std::optional<std::string> reasoning, vote;
  std::optional<int64_t> budget, answer_tokens;
  std::optional<int> parallel;
  std::optional<double> threshold, temperature;
  std::optional<uint64_t> seed;
  int threads = 1;
  int64_t context = 0;
  bool json = false, show_thinking = false, no_early_stop = false;
};

// The bundle's (or explicit paths') config with the flags applied.
Result<Bundle> ResolveBundle(const RunFlags& f) {
  Bundle b;
  if (!f.bundle.empty()) {
    if (!f.model.empty() || !f.lora.empty() || !f.switcher.empty() || !f.verifier.empty()) {
      return InvalidArgument("give either --bundle or --model (with --lora, --switcher, --verifier)");
    }
    ER_ASSIGN_OR_RETURN(b, LoadBundle(f.bundle));
  } else {
    if (f.model.empty()) return InvalidArgument("give --bundle DIR or --model DIR");
    b.paths = {f.model, f.lora, f.switcher, f.verifier, ""};
    b.config.mode = !f.switcher.empty() ? ReasoningMode::kAuto
                    : !f.lora.empty()   ? ReasoningMode::kOn
                                        : ReasoningMode::kOff;
  }
  if (!f.dtype.empty()) b.paths.dtype = f.dtype;
  ReasonerConfig& c = b.config;
  if (f.reasoning) {
    ER_ASSIGN_OR_RETURN(c.mode, ParseReasoningMode(*f.reasoning));
  }
  if (f.vote) {
    ER_ASSIGN_OR_RETURN(c.vote, ParseVoteRule(*f.vote));
  }
  if (f.budget) c.budget.cap = *f.budget;
  if (f.answer_tokens) c.budget.answer_tokens = *f.answer_tokens;
  if (f.parallel) c.streams = *f.parallel;
  if (f.threshold) c.threshold = *f.threshold;
  if (f.temperature) {
    c.reason_sampling.temperature = static_cast<float>(*f.temperature);
    c.reason_sampling.greedy = *f.temperature <= 0;
  }
  if (f.seed) c.reason_sampling.seed = *f.seed;
  if (f.no_early_stop) c.early_stop = false;
  return b;
}

nlohmann::ordered_json StreamsJson(const RouteOutcome& o, const BudgetConfig& budget,
                                   bool show_thinking) {
  nlohmann::ordered_json streams = nlohmann::ordered_json::array();
  for (const StreamOutcome& s : o.streams) {
    nlohmann::ordered_json j;
    j["index"] = s.stream.index;
    j["tokens"] = s.stream.tokens.size();
    j["stop_reason"] = s.stream.stop_reason;
    j["forced"] = s.stream.forced;
    j["score"] = s.stream.score ? nlohmann::ordered_json(*s.stream.score) : nullptr;
    j["answer"] = s.answer;
    const ThinkingSplit split = SplitThinking(s.text, budget);
    j["reply"] = o.route == "chat" ? s.text : split.answer;
    if (show_thinking && o.route == "reason") j["thinking"] = split.thinking;
    streams.push_back(std::move(j));
  }
  return streams;
}

int RunQuestion(const RunFlags& f) {
  auto fail = [](const Status& s) { return Fail("run", s); };
  if (f.question.empty()) return fail(InvalidArgument("the question is empty"));
  auto bundle = ResolveBundle(f);
  if (!bundle.ok()) return fail(bundle.status());
  auto parts = LoadReasonerParts(bundle->paths, {.threads = f.threads, .context_size = f.context});
  if (!parts.ok()) return fail(parts.status());
  auto reasoner = Reasoner::Create(std::move(*parts), bundle->config);
  if (!reasoner.ok()) return fail(reasoner.status());
  auto answer = (*reasoner)->Answer(f.question);
  if (!answer.ok()) return fail(answer.status());

  const RouteOutcome& o = answer->outcome;
  const BudgetConfig& budget = (*reasoner)->config().budget;
  nlohmann::ordered_json streams = StreamsJson(o, budget, f.show_thinking);
  const std::string reply =
      o.winner_stream >= 0 ? streams[o.winner_stream]["reply"].get<std::string>() : "";
  std::vector<int64_t> tokens_per_stream;
  for (const StreamOutcome& s : o.streams) tokens_per_stream.push_back(s.stream.tokens.size());
  nlohmann::ordered_json stats;
  stats["time_to_first_token_ms"] = answer->time_to_first_token * 1e3;
  stats["prompt_tokens"] = answer->prompt_tokens;
  stats["preamble_tokens"] = o.preamble_tokens;
  stats["prompt_tokens_encoded"] = answer->prompt_tokens_encoded;
  stats["tokens_per_stream"] = tokens_per_stream;
  stats["generated_tokens"] = o.generated_tokens;
  stats["decode_tokens_per_second"] = answer->decode_tokens_per_second;
  stats["kv_peak_mb"] = answer->kv_peak_mb;
  stats["wall_ms"] = answer->wall_seconds * 1e3;
  stats["adapter_rows"] = answer->adapter_rows;
  stats["streams_stopped_early"] = o.streams_stopped_early;
  stats["tokens_saved_bound"] = o.tokens_saved_bound;
  nlohmann::ordered_json probability =
      answer->switcher_probability ? nlohmann::ordered_json(*answer->switcher_probability) : nullptr;
  if (f.json) {
    nlohmann::ordered_json j;
    j["route"] = answer->route;
    j["mode"] = ReasoningModeName((*reasoner)->config().mode);
    j["switcher_probability"] = probability;
    j["threshold"] = answer->threshold;
    j["answer"] = o.answer;
    j["reply"] = reply;
    j["vote"] = {{"rule", VoteRuleName((*reasoner)->config().vote)},
                 {"winner_stream", o.winner_stream},
                 {"classes", o.class_answers}};
    j["streams"] = streams;
    j["stats"] = stats;
    PrintJson(j);
    return 0;
  }
  std::cout << "route: " << answer->route;
  if (answer->switcher_probability) {
    std::printf(" (switcher p = %.3f, threshold %.3f)", *answer->switcher_probability,
                answer->threshold);
    std::fflush(stdout);
  }
  std::cout << "\n";
  if (f.show_thinking && o.route == "reason") {
    for (const auto& s : streams) {
      std::cout << "--- thinking, stream " << s["index"] << "\n"
                << s.value("thinking", "") << "\n";
    }
  }
  std::cout << "--- reply\n" << reply << "\n";
  std::cout << "answer: " << (o.answer.empty() ? "(none)" : o.answer) << "\n";
  std::cerr << "[" << stats.dump() << "]\n";
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Answer a question with the whole pipeline: the switcher routes it to chat\n"
      "(base weights) or reasoning (adapter, budget cap, N parallel streams scored by\n"
      "the verifier and combined by vote). Everything comes from a bundle directory\n"
      "(docs/bundle.md) or from explicit paths.");
  cmd->add_option("--bundle", f->bundle, "reasoning bundle directory (bundle.json)");
  cmd->add_option("--model", f->model, "base model directory (instead of --bundle)");
  cmd->add_option("--lora", f->lora, "reasoning adapter (PEFT directory)");
  cmd->add_option("--switcher", f->switcher, "switcher head (.safetensors with .json next to it)");
  cmd->add_option("--verifier", f->verifier, "verifier head (.safetensors with .json next to it)");
  cmd->add_option("--reasoning", f->reasoning, "auto (switcher decides), on or off");
  cmd->add_option("--budget", f->budget, "hard cap on tokens per stream before the answer is forced")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--answer-tokens", f->answer_tokens, "tokens allowed after the end of thinking")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd->add_option("--parallel", f->parallel, "reasoning streams decoded together")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--vote", f->vote, "weighted (verifier scores), majority or best (best-of-N)");
  cmd->add_option("--threshold", f->threshold, "switcher threshold (default: the head's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--temp", f->temperature, "sampling temperature of the reasoning streams");
  cmd->add_option("--seed", f->seed, "seed of stream 0 (stream i uses seed + i)");
  cmd->add_flag("--no-early-stop", f->no_early_stop, "run every stream to its end");
  cmd->add_option("--threads,-t", f->threads, "threads")->capture_default_str();
  cmd->add_option("--ctx", f->context, "context size in tokens (0: the model's maximum)");
  cmd->add_option("--dtype", f->dtype, "weight format: f32, bf16, q8_0, q4_0, q4_pc");
  cmd->add_flag("--json", f->json, "print one JSON object with the route, answer, streams and stats");
  cmd->add_flag("--show-thinking", f->show_thinking, "print each stream's thinking");
  cmd->add_option("question", f->question, "the question")->required();
  cmd->callback([f, &exit_code] { exit_code.value = RunQuestion(*f); });
}

}  // namespace edgereason::cli
