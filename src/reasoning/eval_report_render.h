// A run comparison (eval_report.h) as people read it: markdown tables and
// PNG plots, drawn from the report's JSON alone so that both show exactly the
// numbers report.json holds.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace edgereason {

// The report as markdown tables, with the plots linked where they belong.
std::string ReportMarkdown(const nlohmann::ordered_json& report);

// Writes into `dir`, each atomically and only when its table has rows:
// caps.png (accuracy vs cap), votes.png and with a subset votes_subset.png
// (accuracy vs N), switcher.png (accuracy and fraction routed vs threshold),
// and per compared pair A,B length_cdf_A_B.png and reduction_A_B.png.
Status WriteReportPlots(const std::string& dir, const nlohmann::ordered_json& report);

}  // namespace edgereason
