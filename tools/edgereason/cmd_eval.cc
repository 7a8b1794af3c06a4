// edgereason eval: a dataset through the pipeline, graded by the answer
// checker. Resumable: results.jsonl gets one record per finished item and a
// rerun with the same --out skips them. Writes summary.json, summary.md and
// PNG plots; a progress bar on stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "base/file.h"
#include "cli_common.h"
#include "io/json_file.h"
#include "reasoning/eval_dataset.h"
#include "reasoning/eval_item.h"
#include "reasoning/eval_plots.h"
#include "reasoning/eval_results_file.h"
#include "reasoning/eval_summary.h"
#include "reasoning_flags.h"

namespace edgereason::cli {
namespace {

struct EvalFlags {
  ReasoningFlags reasoning;
  std::string data, out = "eval-out", caps;
  int64_t limit = 0;
  int draws = 32;
  bool json = false, no_chat = false;
};

Result<std::vector<int64_t>> ParseCaps(const std::string& text) {
  std::vector<int64_t> caps;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty() || item.size() > 9 || item.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(item) < 1) {
      return InvalidArgument("--caps: '" + item + "' is not a positive token count");
    }
    caps.push_back(std::stoll(item));
  }
  return caps;
}

// What decides the records: a rerun into the same --out must match it.
nlohmann::json RunIdentity(const EvalFlags& f, const Bundle& b, const EvalOptions& options) {
  std::error_code ec;
  const ReasonerConfig& c = b.config;
  return {{"data", std::filesystem::absolute(f.data, ec).string()},
          {"base", b.paths.base},
          {"adapter", b.paths.adapter},
          {"switcher", b.paths.switcher},
          {"verifier", b.paths.verifier},
          {"dtype", b.paths.dtype},
          {"budget", c.budget.cap},
          {"answer_tokens", c.budget.answer_tokens},
          {"caps", GradedCaps(options, c.budget)},
          {"parallel", c.streams},
          {"vote", VoteRuleName(c.vote)},
          {"early_stop", c.early_stop},
          {"early_stop_margin", c.early_stop_margin},
          {"wave", c.wave},
          {"temperature", c.reason_sampling.greedy ? 0.0f : c.reason_sampling.temperature},
          {"seed", c.reason_sampling.seed},
          {"chat", options.run_chat},
          {"reasoning", ReasoningModeName(c.mode)},
          {"preamble", c.budget.preamble_template},
          {"user", c.user_template}};
}

Status CheckOrWriteIdentity(const std::string& out, const nlohmann::json& identity) {
  const std::string path = JoinPath(out, "eval_config.json");
  if (FileExists(path)) {
    ER_ASSIGN_OR_RETURN(nlohmann::json previous, ReadJsonFile(path));
    for (const auto& [key, value] : identity.items()) {
      if (!previous.contains(key) || previous[key] != value) {
        return InvalidArgument(out + " holds results of a different evaluation ('" + key +
                               "' differs); use another --out or remove it");
      }
    }
    return Status::Ok();
  }
  return WriteFileAtomic(path, identity.dump(2) + "\n");
}

void Progress(size_t done, size_t total, int correct, double seconds) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu  accuracy %.3f  %.1fs", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(), done, total,
               done ? static_cast<double>(correct) / done : 0.0, seconds);
  std::fflush(stderr);
}

int RunEval(const EvalFlags& f) {
  auto fail = [](const Status& s) { return Fail("eval", s); };
  auto bundle = ResolveBundle(f.reasoning);
  if (!bundle.ok()) return fail(bundle.status());
  auto caps = ParseCaps(f.caps);
  if (!caps.ok()) return fail(caps.status());
  auto items = LoadEvalDataset(f.data);
  if (!items.ok()) return fail(items.status());
  if (f.limit > 0 && static_cast<size_t>(f.limit) < items->size()) items->resize(f.limit);

  EvalOptions options;
  options.caps = *caps;
  options.run_chat = !f.no_chat;
  // With reasoning off no item takes the reasoning route: running its
  // streams would only cost time (the switcher sweep needs a run with both).
  options.run_reason = bundle->config.mode != ReasoningMode::kOff;
  if (!options.run_chat && bundle->config.mode != ReasoningMode::kOn) {
    return fail(InvalidArgument("--no-chat needs --reasoning on"));
  }
  if (Status made = CreateDirectories(f.out); !made.ok()) return fail(made);
  Status st = CheckOrWriteIdentity(f.out, RunIdentity(f, *bundle, options));
  if (!st.ok()) return fail(st);
  auto results = EvalResultsFile::Open(JoinPath(f.out, "results.jsonl"));
  if (!results.ok()) return fail(results.status());

  auto parts = LoadReasonerParts(bundle->paths, {.threads = f.reasoning.threads,
                                                 .context_size = f.reasoning.context});
  if (!parts.ok()) return fail(parts.status());
  auto reasoner = Reasoner::Create(std::move(*parts), bundle->config);
  if (!reasoner.ok()) return fail(reasoner.status());

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0;
  int correct = 0;
  std::map<int64_t, bool> correct_by_index;  // of the records already there
  for (const auto& r : results->records()) {
    correct_by_index[r["index"].get<int64_t>()] = r.value("correct", false);
  }
  for (const EvalItem& item : *items) {
    if (!results->IsDone(item.index)) {
      const nlohmann::json record = RunEvalItem(**reasoner, item, options);
      st = results->Append(record);
      if (!st.ok()) return fail(st);
      correct_by_index[item.index] = record.value("correct", false);
    }
    ++done;
    correct += correct_by_index[item.index];
    if (tty) {
      Progress(done, items->size(), correct,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  if (tty) std::fprintf(stderr, "\n");

  std::vector<nlohmann::json> records;
  for (const auto& r : results->records()) {
    if (r["index"].get<int64_t>() < static_cast<int64_t>(items->size())) records.push_back(r);
  }
  std::sort(records.begin(), records.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["index"] < b["index"]; });
  SummaryOptions so;
  so.rule = (*reasoner)->config().vote;
  so.early_stop_margin = (*reasoner)->config().early_stop_margin;
  so.wave = (*reasoner)->config().wave;
  so.draws = f.draws;
  so.seed = (*reasoner)->config().reason_sampling.seed;
  nlohmann::ordered_json summary = Summarize(records, so);
  summary["config"] = RunIdentity(f, *bundle, options);
  summary["config"]["mode"] = ReasoningModeName((*reasoner)->config().mode);
  summary["config"]["threshold"] = (*reasoner)->threshold();
  summary["config"]["vote"] = VoteRuleName((*reasoner)->config().vote);
  const std::string dump = summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  st = WriteFileAtomic(JoinPath(f.out, "summary.json"), dump + "\n");
  if (st.ok()) st = WriteFileAtomic(JoinPath(f.out, "summary.md"), SummaryMarkdown(summary));
  if (st.ok()) st = WriteEvalPlots(f.out, records, summary);
  if (!st.ok()) return fail(st);
  if (f.json) {
    PrintJson(summary);
  } else {
    std::cout << SummaryMarkdown(summary);
  }
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate the pipeline on a JSONL dataset (MATH500, GSM8K, AIME, AMC or\n"
      "{\"problem\",\"answer\"} rows). Each item runs the chat route and N reasoning\n"
      "streams (with capped copies at --caps) from one prefill; results.jsonl in --out\n"
      "gets a record per item as it finishes, and a rerun with the same --out resumes.\n"
      "Writes summary.json, summary.md and PNG plots.");
  AddReasoningFlags(*cmd, f->reasoning);
  cmd->add_option("--data", f->data, "dataset JSONL file")->required();
  cmd->add_option("--limit", f->limit, "only the first K items (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", f->out, "output directory")->capture_default_str();
  cmd->add_option("--caps", f->caps, "token caps to grade at, e.g. 256,512,1024 (≤ --budget)");
  cmd->add_option("--draws", f->draws, "random draws per N for the vote curves")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--no-chat", f->no_chat, "skip the chat route (with --reasoning on)");
  cmd->add_flag("--json", f->json, "print the summary as JSON instead of markdown");
  cmd->callback([f, &exit_code] { exit_code.value = RunEval(*f); });
}

}  // namespace edgereason::cli
