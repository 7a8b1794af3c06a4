// edgereason plot: one field of JSONL logs (training losses, GRPO rewards and
// lengths) against another, as a PNG line plot, one series per file.
#include <fstream>

#include "base/file.h"
#include "cli_common.h"
#include "reasoning/line_plot.h"

namespace edgereason::cli {
namespace {

struct PlotFlags {
  std::vector<std::string> inputs;  // FILE or NAME=FILE
  std::string x = "step", y, out, title;
  int smooth = 1;
};

// The (x, y) points of one JSONL file; rows without both numbers are skipped,
// a line that is not JSON is an error naming it.
Status ReadSeries(const std::string& path, const PlotFlags& f, PlotSeries& series) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("plot: cannot open '" + path + "'");
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!row.is_object()) return InvalidArgument(path + ":" + std::to_string(number) + ": not a JSON object");
    const auto x = row.find(f.x), y = row.find(f.y);
    if (x == row.end() || y == row.end() || !x->is_number() || !y->is_number()) continue;
    series.x.push_back(x->get<double>());
    series.y.push_back(y->get<double>());
  }
  if (series.x.empty()) {
    return InvalidArgument("plot: '" + path + "' has no row with numbers '" + f.x + "' and '" + f.y + "'");
  }
  // Trailing moving average over `smooth` points, for noisy RL curves.
  if (f.smooth > 1) {
    std::vector<double> smoothed(series.y.size());
    double sum = 0;
    for (size_t i = 0; i < series.y.size(); ++i) {
      sum += series.y[i];
      if (i >= static_cast<size_t>(f.smooth)) sum -= series.y[i - f.smooth];
      smoothed[i] = sum / static_cast<double>(std::min<size_t>(i + 1, f.smooth));
    }
    series.y = std::move(smoothed);
  }
  return Status::Ok();
}

int RunPlot(const PlotFlags& f) {
  LinePlot plot;
  plot.title = f.title.empty() ? f.y + (f.smooth > 1 ? " (moving average of " + std::to_string(f.smooth) + ")" : "")
                               : f.title;
  plot.x_label = f.x;
  plot.y_label = f.y;
  for (const std::string& input : f.inputs) {
    PlotSeries s;
    const size_t eq = input.find('=');
    const std::string path = eq == std::string::npos ? input : input.substr(eq + 1);
    s.label = eq == std::string::npos ? path.substr(path.find_last_of('/') + 1) : input.substr(0, eq);
    if (Status st = ReadSeries(path, f, s); !st.ok()) return Fail("plot", st);
    plot.series.push_back(std::move(s));
  }
  if (Status st = WriteFileAtomic(f.out, RenderLinePlotPng(plot)); !st.ok()) return Fail("plot", st);
  return 0;
}

}  // namespace

void AddPlotCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<PlotFlags>();
  CLI::App* cmd = app.add_subcommand(
      "plot",
      "Plot one numeric field of JSONL logs against another as a PNG line plot, one\n"
      "series per file: e.g. the loss of `edgereason-train sft --log`, or the reward and\n"
      "mean length of `edgereason-train grpo --log`.");
  cmd->add_option("inputs", f->inputs, "JSONL files, each FILE or NAME=FILE")->required();
  cmd->add_option("--x", f->x, "field on the x axis")->capture_default_str();
  cmd->add_option("--y", f->y, "field on the y axis")->required();
  cmd->add_option("--smooth", f->smooth, "trailing moving average over K points")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--title", f->title, "plot title (default: the y field)");
  cmd->add_option("--out", f->out, "output PNG file")->required();
  cmd->callback([f, &exit_code] { exit_code.value = RunPlot(*f); });
}

}  // namespace edgereason::cli
