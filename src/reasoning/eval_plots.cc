#include "reasoning/eval_plots.h"

#include <algorithm>

#include "base/file.h"
#include "reasoning/line_plot.h"

namespace edgereason {

Status WriteEvalPlots(const std::string& dir, const std::vector<nlohmann::json>& records,
                      const nlohmann::ordered_json& summary) {
  // Accuracy vs mean tokens per stream, one point per cap.
  LinePlot caps{"Accuracy vs tokens (hard caps)", "mean tokens per stream", "accuracy", {}};
  PlotSeries per_stream{"per stream", {}, {}, {}, false}, voted{"vote", {}, {}, {}, false};
  for (const auto& c : summary["caps"]) {
    per_stream.x.push_back(c["mean_tokens_per_stream"].get<double>());
    per_stream.y.push_back(c["accuracy"].get<double>());
    voted.x.push_back(c["mean_tokens_per_stream"].get<double>());
    voted.y.push_back(c["vote_accuracy"].get<double>());
  }
  caps.series = {per_stream, voted};
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "accuracy_vs_tokens.png"), RenderLinePlotPng(caps)));

  // CDF of generated tokens: reasoning streams and chat answers.
  LinePlot cdf{"Generated length CDF", "tokens", "fraction", {}};
  for (const char* route : {"reason", "chat"}) {
    std::vector<double> lengths;
    for (const auto& r : records) {
      if (!r.contains(route)) continue;
      if (std::string(route) == "chat") {
        lengths.push_back(r[route]["tokens"].get<double>());
      } else {
        for (const auto& s : r[route]["streams"]) lengths.push_back(s["tokens"].get<double>());
      }
    }
    if (lengths.empty()) continue;
    std::sort(lengths.begin(), lengths.end());
    PlotSeries s{std::string(route) + " streams", {0.0}, {0.0}, {}, true};
    for (size_t i = 0; i < lengths.size(); ++i) {
      s.x.push_back(lengths[i]);
      s.y.push_back(static_cast<double>(i + 1) / lengths.size());
    }
    cdf.series.push_back(std::move(s));
  }
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "length_cdf.png"), RenderLinePlotPng(cdf)));

  // Accuracy vs N for each vote rule.
  LinePlot votes{"Accuracy vs parallel streams", "N", "accuracy", {}};
  for (const auto& [rule, curve] : summary["vote_curves"].items()) {
    PlotSeries s{rule, {}, {}, {}, false};
    for (const auto& p : curve) {
      s.x.push_back(p["n"].get<double>());
      s.y.push_back(p["mean"].get<double>());
      s.y_error.push_back(p["std"].get<double>());
    }
    votes.series.push_back(std::move(s));
  }
  ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "vote_curves.png"), RenderLinePlotPng(votes)));

  // Threshold sweep: accuracy against the fraction routed to reasoning.
  if (!summary["threshold_sweep"].empty()) {
    LinePlot sweep{"Switcher threshold sweep", "fraction routed to reasoning", "accuracy", {}};
    PlotSeries s{"thresholds 0..1", {}, {}, {}, false};
    for (const auto& p : summary["threshold_sweep"]) {
      s.x.push_back(p["fraction_reasoning"].get<double>());
      s.y.push_back(p["accuracy"].get<double>());
    }
    sweep.series.push_back(std::move(s));
    ER_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "threshold_sweep.png"), RenderLinePlotPng(sweep)));
  }
  return Status::Ok();
}

}  // namespace edgereason
