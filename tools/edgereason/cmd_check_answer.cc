// edgereason check-answer: is a predicted answer mathematically the gold one?
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "verify/answer_checker.h"

namespace edgereason::cli {
namespace {

nlohmann::ordered_json ResultJson(const CheckResult& r) {
  return {{"match", r.match}, {"gold", r.gold_extracted}, {"pred", r.pred_extracted},
          {"verdict", r.verdict}};
}

// One output line per input line; a malformed row gives an error object
// naming its line, and the run goes on.
int CheckJsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("check-answer", IoError("cannot open --jsonl file '" + path + "'"));
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    std::string error;
    if (row.is_discarded() || !row.is_object()) {
      error = "line is not a JSON object";
    } else if (!row.contains("gold") || !row["gold"].is_string()) {
      error = "field \"gold\" is missing or not a string";
    } else if (!row.contains("pred") || !row["pred"].is_string()) {
      error = "field \"pred\" is missing or not a string";
    }
    if (!error.empty()) {
      PrintJson({{"line", number}, {"error", path + ":" + std::to_string(number) + ": " + error}});
      continue;
    }
    PrintJson(ResultJson(CheckAnswer(row["gold"].get<std::string>(), row["pred"].get<std::string>())));
  }
  return 0;
}

}  // namespace

void AddCheckAnswerCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string gold, pred, jsonl;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "check-answer",
      "Extract the final answer of a gold solution and of a prediction (\\boxed{}, 'final\n"
      "answer is', '#### n', $...$, choice letters, last number) and decide whether they are\n"
      "mathematically equal. Prints {\"match\", \"gold\", \"pred\", \"verdict\"} as JSON; with\n"
      "--jsonl, one object per input row {\"gold\", \"pred\"}.");
  auto* gold = cmd->add_option("--gold", opt->gold, "the reference answer or solution");
  auto* pred = cmd->add_option("--pred", opt->pred, "the predicted answer or model output");
  auto* jsonl = cmd->add_option("--jsonl", opt->jsonl, "a JSONL file of {\"gold\", \"pred\"} rows");
  gold->needs(pred);
  pred->needs(gold);
  jsonl->excludes(gold)->excludes(pred);
  cmd->callback([opt, &exit_code, jsonl] {
    if (jsonl->count() > 0) return void(exit_code.value = CheckJsonl(opt->jsonl));
    if (opt->gold.empty() && opt->pred.empty()) {
      return void(exit_code.value =
                      Fail("check-answer", InvalidArgument("give --gold and --pred, or --jsonl")));
    }
    PrintJson(ResultJson(CheckAnswer(opt->gold, opt->pred)));
  });
}

}  // namespace edgereason::cli
