// A comparison of finished `edgereason eval` runs, the numbers behind the
// paper's tables and figures: accuracy and tokens per difficulty, accuracy
// under hard caps (Table 8), accuracy vs N for the vote rules (Table 9), the
// switcher threshold sweep (Fig. 3), generated-length distributions and the
// per-query length reduction between two runs (Fig. 5), and one pipeline row
// per run (accuracy, tokens, time to first token, wall time, routing, early
// stop). Every figure comes from Summarize (eval_summary.h) over each run's
// results.jsonl, so a report agrees with the runs' own summary.json.
//
// report.json layout: docs/bundle.md, "Comparing runs".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct ReportRun {
  std::string name;  // names the run in tables and plot files: [A-Za-z0-9_.-]+
  std::string dir;   // an eval --out directory
};

struct ReportOptions {
  std::vector<ReportRun> runs;
  // Difficulties for the subset figures ("3" also matches "Level 3"); empty: none.
  std::vector<std::string> subset;
  std::vector<std::pair<std::string, std::string>> compare;  // run names, A and B
  int draws = 32;  // random draws per N for the vote curves
};

// Flag parsers; errors name the flag and the text at fault.
Result<ReportRun> ParseReportRun(const std::string& text);                   // "NAME=DIR"
Result<std::vector<std::string>> ParseReportSubset(const std::string& text);  // "3,4,5"
Result<std::pair<std::string, std::string>> ParseReportCompare(const std::string& text);  // "A,B"

// Whether a record's difficulty is one of the subset's: equal, or for a
// number, equal to the difficulty's trailing number ("3" matches "Level 3").
bool InReportSubset(const std::string& difficulty, const std::vector<std::string>& subset);

// Reads every run and computes the report's numbers.
Result<nlohmann::ordered_json> BuildReport(const ReportOptions& options);

// BuildReport, then writes report.json, report.md and the PNG plots
// (eval_report_render.h) into `out_dir` (created when missing), each
// atomically. Returns the report.
Result<nlohmann::ordered_json> WriteReport(const ReportOptions& options, const std::string& out_dir);

}  // namespace edgereason
