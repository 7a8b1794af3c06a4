// edgereason report: compares finished `edgereason eval` runs and writes the
// paper's tables and figures (report.md, report.json, PNG plots) from their
// results.jsonl files, without loading any model.
#include <iostream>

#include "cli_common.h"
#include "reasoning/eval_report.h"
#include "reasoning/eval_report_render.h"

namespace edgereason::cli {
namespace {

struct ReportFlags {
  std::vector<std::string> runs, compare;
  std::string subset, out;
  int draws = 32;
  bool json = false;
};

int RunReport(const ReportFlags& f) {
  auto fail = [](const Status& s) { return Fail("report", s); };
  ReportOptions options;
  options.draws = f.draws;
  for (const std::string& text : f.runs) {
    auto run = ParseReportRun(text);
    if (!run.ok()) return fail(run.status());
    options.runs.push_back(*run);
  }
  if (!f.subset.empty()) {
    auto subset = ParseReportSubset(f.subset);
    if (!subset.ok()) return fail(subset.status());
    options.subset = *subset;
  }
  for (const std::string& text : f.compare) {
    auto pair = ParseReportCompare(text);
    if (!pair.ok()) return fail(pair.status());
    options.compare.push_back(*pair);
  }
  auto report = WriteReport(options, f.out);
  if (!report.ok()) return fail(report.status());
  if (f.json) {
    PrintJson(*report);
  } else {
    std::cout << ReportMarkdown(*report);
  }
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Compare finished 'edgereason eval' runs: accuracy and tokens per difficulty,\n"
      "accuracy under hard caps, accuracy vs N for the vote rules, the switcher\n"
      "threshold sweep, generated-length distributions of run pairs and a pipeline\n"
      "table. Writes report.md, report.json and PNG plots into --out.");
  cmd->add_option("--run", f->runs, "NAME=DIR: an eval --out directory and its name (repeat)")
      ->required();
  cmd->add_option("--subset", f->subset,
                  "difficulties for the subset figures, e.g. 3,4,5 (3 also matches 'Level 3')");
  cmd->add_option("--compare", f->compare, "A,B: compare the generated lengths of runs A and B (repeat)");
  cmd->add_option("--out", f->out, "output directory")->required();
  cmd->add_option("--draws", f->draws, "random draws per N for the vote curves")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "print report.json instead of the markdown");
  cmd->callback([f, &exit_code] { exit_code.value = RunReport(*f); });
}

}  // namespace edgereason::cli
