// edgereason run: one question through the whole pipeline (switcher, chat or
// reasoning with budget forcing, parallel streams, verifier, vote).
#include <cstdio>
#include <iostream>
#include <optional>

#include "base/file.h"
#include "cli_common.h"
#include "reasoning/bundle.h"
#include "reasoning/reasoner.h"
#include "reasoning_flags.h"

namespace edgereason::cli {
namespace {

struct RunFlags {
  ReasoningFlags reasoning;
  std::string question;
  bool json = false, show_thinking = false;
};

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
  auto bundle = ResolveBundle(f.reasoning);
  if (!bundle.ok()) return fail(bundle.status());
  auto parts = LoadReasonerParts(bundle->paths, {.threads = f.reasoning.threads,
                                                 .context_size = f.reasoning.context});
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
  std::string per_stream;
  for (int64_t t : tokens_per_stream) per_stream += (per_stream.empty() ? "" : " ") + std::to_string(t);
  std::printf("tokens: %lld generated (per stream: %s; stopped early: %d), prompt %lld\n",
              static_cast<long long>(o.generated_tokens), per_stream.c_str(), o.streams_stopped_early,
              static_cast<long long>(answer->prompt_tokens));
  std::printf("time: first token %.1f ms, total %.1f ms, decode %.0f tokens/s, KV peak %.2f MB\n",
              answer->time_to_first_token * 1e3, answer->wall_seconds * 1e3,
              answer->decode_tokens_per_second, answer->kv_peak_mb);
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
  AddReasoningFlags(*cmd, f->reasoning);
  cmd->add_flag("--json", f->json, "print one JSON object with the route, answer, streams and stats");
  cmd->add_flag("--show-thinking", f->show_thinking, "print each stream's thinking");
  cmd->add_option("question", f->question, "the question")->required();
  cmd->callback([f, &exit_code] { exit_code.value = RunQuestion(*f); });
}

}  // namespace edgereason::cli
