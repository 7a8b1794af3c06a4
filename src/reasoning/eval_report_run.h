// One run of a report (eval_report.h) read back from its eval --out
// directory: its records, checked, and its summaries over all items and over
// the report's difficulty subset.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include "reasoning/eval_report.h"
#include "reasoning/eval_summary.h"

namespace edgereason {

struct LoadedRun {
  ReportRun run;
  std::vector<nlohmann::json> records;  // sorted by index
  SummaryOptions summary_options;
  nlohmann::ordered_json summary;         // all items
  nlohmann::ordered_json subset_summary;  // the subset's items; null without a subset
  size_t subset_items = 0;
  size_t max_streams = 0;  // the largest reasoning pool of an item
  bool streams_whole = true;  // no stream was stopped early (the run had early stop off)
};

// Reads DIR/results.jsonl (without changing it) and, when there, the vote
// rule and seed of DIR/summary.json, so that the figures come out as in the
// run's own summary. Errors name the file and the record at fault.
Result<LoadedRun> LoadReportRun(const ReportRun& run, const ReportOptions& options);

}  // namespace edgereason
