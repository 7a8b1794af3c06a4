#include "reasoning/eval_report.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "base/file.h"
#include "reasoning/eval_report_render.h"
#include "reasoning/eval_report_run.h"
#include "reasoning/eval_summary.h"

namespace edgereason {
namespace {

using Json = nlohmann::ordered_json;

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// Run names become parts of plot file names.
bool ValidRunName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
             std::string::npos;
}

bool IsDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Strips leading zeros so that "03" and "3" compare equal as numbers.
std::string NumberText(const std::string& digits) {
  const size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Linear interpolation between order statistics (numpy's default), so the
// 0.5 quantile is the usual median. `sorted` must be sorted and non-empty.
double Quantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(h);
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

Json RunsSection(const std::vector<LoadedRun>& runs, bool with_subset) {
  Json out = Json::array();
  for (const LoadedRun& r : runs) {
    Json row = {{"name", r.run.name},
                {"dir", r.run.dir},
                {"items", r.summary["items"]},
                {"errors", r.summary["errors"]},
                {"max_streams", r.max_streams},
                {"vote_rule", VoteRuleName(r.summary_options.rule)},
                {"seed", r.summary_options.seed}};
    if (with_subset) row["subset_items"] = r.subset_items;
    out.push_back(row);
  }
  return out;
}

// Rows = difficulties of any run (then "all"), one cell per run (null where a
// run has no item of that difficulty).
Json ByDifficultySection(const std::vector<LoadedRun>& runs) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const LoadedRun& r : runs) {
    for (const auto& [d, unused] : r.summary["by_difficulty"].items()) {
      if (seen.insert(d).second) order.push_back(d);
    }
  }
  std::sort(order.begin(), order.end(), DifficultyLess);
  auto cell = [](const Json& s) -> Json {
    return {{"items", s["items"]}, {"accuracy", s["accuracy"]},
            {"mean_tokens", s["tokens"]["mean"]}, {"median_tokens", s["tokens"]["median"]}};
  };
  Json rows = Json::array();
  for (const std::string& d : order) {
    Json cells = Json::object();
    for (const LoadedRun& r : runs) {
      const Json& by = r.summary["by_difficulty"];
      cells[r.run.name] = by.contains(d) ? cell(by[d]) : Json(nullptr);
    }
    rows.push_back({{"difficulty", d}, {"runs", cells}});
  }
  Json all = Json::object();
  for (const LoadedRun& r : runs) all[r.run.name] = cell(r.summary);
  rows.push_back({{"difficulty", "all"}, {"runs", all}});
  return rows;
}

// Rows = caps of any of `runs`, per-stream accuracy per run (null: not graded there).
Json CapRows(const std::vector<const LoadedRun*>& runs, bool subset) {
  std::map<int64_t, Json> rows;
  for (const LoadedRun* r : runs) {
    for (const auto& c : (subset ? r->subset_summary : r->summary)["caps"]) {
      rows[c["cap"].get<int64_t>()][r->run.name] = c["accuracy"];
    }
  }
  Json out = Json::array();
  for (auto& [cap, found] : rows) {
    Json accuracy = Json::object();
    for (const LoadedRun* r : runs) {
      accuracy[r->run.name] = found.contains(r->run.name) ? found[r->run.name] : Json(nullptr);
    }
    out.push_back({{"cap", cap}, {"accuracy", accuracy}});
  }
  return out;
}

Json CapsSection(const std::vector<LoadedRun>& runs, bool with_subset) {
  std::vector<const LoadedRun*> with_caps;
  Json names = Json::array();
  for (const LoadedRun& r : runs) {
    if (r.summary["caps"].empty()) continue;
    with_caps.push_back(&r);
    names.push_back(r.run.name);
  }
  Json out = {{"runs", names}, {"all", CapRows(with_caps, false)}};
  if (with_subset) out["subset"] = CapRows(with_caps, true);
  return out;
}

// Majority and weighted accuracy vs N for the runs that vote (2+ streams).
Json VotesSection(const std::vector<LoadedRun>& runs, bool with_subset) {
  auto curves = [](const Json& summary) {
    Json c = Json::object();
    for (const char* rule : {"majority", "weighted"}) {
      if (summary["vote_curves"].contains(rule)) c[rule] = summary["vote_curves"][rule];
    }
    return c;
  };
  Json names = Json::array(), all = Json::object(), subset = Json::object();
  for (const LoadedRun& r : runs) {
    if (r.max_streams < 2) continue;
    names.push_back(r.run.name);
    all[r.run.name] = curves(r.summary);
    if (with_subset) subset[r.run.name] = curves(r.subset_summary);
  }
  Json out = {{"runs", names}, {"all", all}};
  if (with_subset) out["subset"] = subset;
  return out;
}

// The sweep of each run with a switcher and both routes, with the tokens of
// each threshold as a fraction of always reasoning on the same items.
Json SwitcherSection(const std::vector<LoadedRun>& runs) {
  Json out = Json::object();
  for (const LoadedRun& r : runs) {
    if (r.summary["threshold_sweep"].empty()) continue;
    std::vector<double> always;
    for (const nlohmann::json& record : r.records) {
      if (!record.contains("error") && record.contains("switcher_probability") &&
          record["switcher_probability"].is_number() && record.contains("chat") &&
          record.contains("reason")) {
        always.push_back(record["reason"]["tokens"].get<double>());
      }
    }
    const double always_mean = Mean(always);
    Json rows = Json::array();
    for (const auto& p : r.summary["threshold_sweep"]) {
      Json row = p;
      row["token_fraction"] =
          always_mean > 0 ? Json(p["mean_tokens"].get<double>() / always_mean) : Json(nullptr);
      rows.push_back(row);
    }
    out[r.run.name] = rows;
  }
  return out;
}

// Tokens per reasoning stream of each item that reasoned, by item index.
std::map<int64_t, double> TokensPerStream(const LoadedRun& run) {
  std::map<int64_t, double> out;
  for (const nlohmann::json& r : run.records) {
    if (r.contains("error") || !r.contains("reason") || r["reason"]["streams"].empty()) continue;
    out[r["index"].get<int64_t>()] =
        r["reason"]["tokens"].get<double>() / static_cast<double>(r["reason"]["streams"].size());
  }
  return out;
}

Json LengthComparison(const LoadedRun& a, const LoadedRun& b) {
  const auto ta = TokensPerStream(a), tb = TokensPerStream(b);
  std::vector<int64_t> indexes;
  std::vector<double> xa, xb, ratios;
  for (const auto& [index, tokens] : ta) {
    const auto it = tb.find(index);
    if (it == tb.end()) continue;
    indexes.push_back(index);
    xa.push_back(tokens);
    xb.push_back(it->second);
    if (it->second > 0) ratios.push_back(tokens / it->second);  // no ratio to an empty generation
  }
  std::sort(ratios.begin(), ratios.end());
  Json stats = {{"items", ratios.size()}, {"mean", nullptr}, {"median", nullptr}, {"q1", nullptr},
                {"q3", nullptr}};
  if (!ratios.empty()) {
    stats["mean"] = Mean(ratios);
    stats["median"] = Quantile(ratios, 0.5);
    stats["q1"] = Quantile(ratios, 0.25);
    stats["q3"] = Quantile(ratios, 0.75);
  }
  const double mean_a = Mean(xa), mean_b = Mean(xb);
  return {{"a", a.run.name},
          {"b", b.run.name},
          {"items", indexes.size()},
          {"mean_tokens_a", mean_a},
          {"mean_tokens_b", mean_b},
          {"mean_length_ratio", mean_b > 0 ? Json(mean_a / mean_b) : Json(nullptr)},
          {"ratio", stats},
          {"indexes", indexes},
          {"tokens_a", xa},
          {"tokens_b", xb},
          {"ratios_sorted", ratios}};
}

Json PipelineSection(const std::vector<LoadedRun>& runs) {
  Json rows = Json::array();
  for (const LoadedRun& r : runs) {
    const Json& s = r.summary;
    rows.push_back({{"run", r.run.name},
                    {"items", s["items"]},
                    {"accuracy", s["accuracy"]},
                    {"mean_tokens", s["tokens"]["mean"]},
                    {"time_to_first_token_seconds", s["time_to_first_token_seconds"]},
                    {"latency_seconds", s["latency_seconds"]},
                    {"fraction_reasoning", s["route_fraction"]["reason"]},
                    {"early_stop_tokens_saved", s["early_stop"]["tokens_saved"]},
                    {"early_stop_fraction_saved", s["early_stop"]["fraction_saved"]},
                    {"early_stop_margin", s["early_stop"].value("margin", 0)},
                    {"early_stop_wave", s["early_stop"].value("wave", 0)},
                    {"early_stop_accuracy_change", s["early_stop"].value("accuracy_change", 0.0)}});
  }
  return rows;
}

// Per run with parallel streams run whole: the early stop replayed at each
// wave and margin of the run's summary (tokens saved against accuracy changed). Runs of
// one stream, or whose streams were stopped early, have nothing to replay.
Json EarlyStopSection(const std::vector<LoadedRun>& runs) {
  Json rows = Json::array();
  for (const LoadedRun& r : runs) {
    if (r.max_streams < 2 || !r.streams_whole) continue;
    const Json& sweep = r.summary.value("early_stop_sweep", Json::array());
    if (sweep.empty()) continue;
    rows.push_back({{"run", r.run.name}, {"margins", sweep}});
  }
  return rows;
}

Result<Json> Build(const ReportOptions& options) {
  if (options.runs.empty()) return InvalidArgument("no runs to report on; give --run NAME=DIR");
  std::set<std::string> names;
  for (const ReportRun& run : options.runs) {
    if (!names.insert(run.name).second) return InvalidArgument("--run " + run.name + " is given twice");
  }
  for (const auto& [a, b] : options.compare) {
    for (const std::string& name : {a, b}) {
      if (!names.count(name)) {
        return InvalidArgument("--compare " + a + "," + b + ": no --run is named '" + name + "'");
      }
    }
  }
  std::vector<LoadedRun> runs;
  std::map<std::string, size_t> by_name;
  for (const ReportRun& run : options.runs) {
    ER_ASSIGN_OR_RETURN(LoadedRun loaded, LoadReportRun(run, options));
    by_name[run.name] = runs.size();
    runs.push_back(std::move(loaded));
  }
  const bool with_subset = !options.subset.empty();
  const auto no_subset_items = [](const LoadedRun& r) { return r.subset_items == 0; };
  if (with_subset && std::all_of(runs.begin(), runs.end(), no_subset_items)) {
    std::string list;
    for (const std::string& d : options.subset) list += (list.empty() ? "" : ",") + d;
    return InvalidArgument("--subset " + list + ": no item of any run has one of these difficulties");
  }
  Json report;
  report["runs"] = RunsSection(runs, with_subset);
  report["subset"] = options.subset;
  report["by_difficulty"] = ByDifficultySection(runs);
  report["caps"] = CapsSection(runs, with_subset);
  report["votes"] = VotesSection(runs, with_subset);
  report["switcher"] = SwitcherSection(runs);
  Json lengths = Json::array();
  for (const auto& [a, b] : options.compare) {
    lengths.push_back(LengthComparison(runs[by_name[a]], runs[by_name[b]]));
  }
  report["length"] = lengths;
  report["pipeline"] = PipelineSection(runs);
  report["early_stop"] = EarlyStopSection(runs);
  return report;
}

}  // namespace

Result<ReportRun> ParseReportRun(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return InvalidArgument("--run '" + text + "' is not NAME=DIR");
  }
  ReportRun run{text.substr(0, eq), text.substr(eq + 1)};
  if (!ValidRunName(run.name)) {
    return InvalidArgument("--run '" + text + "': the name may only hold letters, digits, '_', '.' and '-'");
  }
  return run;
}

Result<std::vector<std::string>> ParseReportSubset(const std::string& text) {
  std::vector<std::string> subset = Split(text, ',');
  for (const std::string& d : subset) {
    if (d.empty()) return InvalidArgument("--subset '" + text + "' has an empty difficulty");
  }
  return subset;
}

Result<std::pair<std::string, std::string>> ParseReportCompare(const std::string& text) {
  const std::vector<std::string> parts = Split(text, ',');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return InvalidArgument("--compare '" + text + "' is not A,B (two run names)");
  }
  if (parts[0] == parts[1]) return InvalidArgument("--compare '" + text + "' compares a run with itself");
  return std::make_pair(parts[0], parts[1]);
}

bool InReportSubset(const std::string& difficulty, const std::vector<std::string>& subset) {
  size_t start = difficulty.size();
  while (start > 0 && difficulty[start - 1] >= '0' && difficulty[start - 1] <= '9') --start;
  const std::string trailing = difficulty.substr(start);
  for (const std::string& d : subset) {
    if (d == difficulty) return true;
    if (IsDigits(d) && !trailing.empty() && NumberText(d) == NumberText(trailing)) return true;
  }
  return false;
}

Result<nlohmann::ordered_json> BuildReport(const ReportOptions& options) {
  // Records are checked before any figure is computed; this only guards
  // against what a check missed (and allocation failure), so that nothing
  // escapes as an exception.
  try {
    return Build(options);
  } catch (const std::exception& e) {
    return Internal(std::string("report: ") + e.what());
  }
}

Result<nlohmann::ordered_json> WriteReport(const ReportOptions& options, const std::string& out_dir) {
  ER_ASSIGN_OR_RETURN(Json report, BuildReport(options));
  ER_RETURN_IF_ERROR(CreateDirectories(out_dir));
  try {
    const std::string dump = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(out_dir, "report.json"), dump + "\n"));
    ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(out_dir, "report.md"), ReportMarkdown(report)));
    ER_RETURN_IF_ERROR(WriteReportPlots(out_dir, report));
  } catch (const std::exception& e) {
    return Internal(out_dir + ": writing the report failed (" + e.what() + ")");
  }
  return report;
}

}  // namespace edgereason
