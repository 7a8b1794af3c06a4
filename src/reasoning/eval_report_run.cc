#include "reasoning/eval_report_run.h"

#include <algorithm>

#include "base/file.h"
#include "io/json_file.h"
#include "reasoning/eval_record_check.h"
#include "reasoning/eval_results_file.h"

namespace edgereason {
namespace {

// The vote rule, early-stop margin, stream wave and seed of the run's own summary.json, so
// early-stop savings and vote curves come out as that summary has them.
Status ReadRunSettings(const std::string& dir, SummaryOptions* options) {
  const std::string path = JoinPath(dir, "summary.json");
  if (!FileExists(path)) return Status::Ok();
  ER_ASSIGN_OR_RETURN(nlohmann::json summary, ReadJsonFile(path));
  if (!summary.is_object() || !summary.contains("config") || !summary["config"].is_object()) {
    return Status::Ok();
  }
  const nlohmann::json& config = summary["config"];
  if (config.contains("vote")) {
    if (!config["vote"].is_string()) return InvalidArgument(path + ": field 'config.vote' is not a string");
    auto rule = ParseVoteRule(config["vote"].get<std::string>());
    if (!rule.ok()) return InvalidArgument(path + ": " + rule.status().message());
    options->rule = *rule;
  }
  if (config.contains("early_stop_margin")) {
    const nlohmann::json& margin = config["early_stop_margin"];
    if (!margin.is_number_integer() || margin.get<int64_t>() < 0 || margin.get<int64_t>() > 256) {
      return InvalidArgument(path + ": field 'config.early_stop_margin' is not an integer in [0, 256]");
    }
    options->early_stop_margin = margin.get<int>();
  }
  if (config.contains("wave")) {
    const nlohmann::json& wave = config["wave"];
    if (!wave.is_number_integer() || wave.get<int64_t>() < 0 || wave.get<int64_t>() > 256) {
      return InvalidArgument(path + ": field 'config.wave' is not an integer in [0, 256]");
    }
    options->wave = wave.get<int>();
  }
  if (config.contains("seed")) {
    if (!config["seed"].is_number_integer()) {
      return InvalidArgument(path + ": field 'config.seed' is not an integer");
    }
    options->seed = config["seed"].get<uint64_t>();
  }
  return Status::Ok();
}

}  // namespace

Result<LoadedRun> LoadReportRun(const ReportRun& run, const ReportOptions& options) {
  LoadedRun r;
  r.run = run;
  if (!IsDirectory(run.dir)) {
    return NotFound("--run " + run.name + "=" + run.dir + ": there is no such directory");
  }
  const std::string path = JoinPath(run.dir, "results.jsonl");
  if (!FileExists(path)) {
    return NotFound(path + " is missing, so " + run.dir + " is no 'edgereason eval' --out directory");
  }
  ER_ASSIGN_OR_RETURN(r.records, ReadEvalResults(path));
  if (r.records.empty()) return InvalidArgument(path + " holds no records");
  for (const nlohmann::json& record : r.records) {
    const Status s = CheckEvalRecord(record);
    if (!s.ok()) return InvalidArgument(path + ": item " + record["index"].dump() + ": " + s.message());
  }
  std::sort(r.records.begin(), r.records.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["index"].get<int64_t>() < b["index"].get<int64_t>();
  });
  r.summary_options.draws = options.draws;
  ER_RETURN_IF_ERROR(ReadRunSettings(run.dir, &r.summary_options));
  r.summary = Summarize(r.records, r.summary_options);
  if (!options.subset.empty()) {
    std::vector<nlohmann::json> subset;
    for (const nlohmann::json& record : r.records) {
      const std::string d = DifficultyOf(record);
      if (!d.empty() && InReportSubset(d, options.subset)) subset.push_back(record);
    }
    r.subset_items = subset.size();
    r.subset_summary = Summarize(subset, r.summary_options);
  }
  for (const nlohmann::json& record : r.records) {
    if (!record.contains("error") && record.contains("reason")) {
      r.max_streams = std::max(r.max_streams, record["reason"]["streams"].size());
      for (const nlohmann::json& s : record["reason"]["streams"]) {
        if (s.value("stop", "") == "early_stop") r.streams_whole = false;
      }
    }
  }
  return r;
}

}  // namespace edgereason
