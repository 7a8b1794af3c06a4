#include "reasoning/line_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reasoning/png_image.h"

namespace edgereason {
namespace {

constexpr Rgb kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                            {214, 39, 40},  {148, 103, 189}, {140, 86, 75}};
constexpr Rgb kBlack{0, 0, 0}, kGrid{225, 225, 225};

// Tick positions at 1, 2 or 5 × 10^k covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9 && ticks.size() < 20; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string TickLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

std::string RenderLinePlotPng(const LinePlot& plot) {
  RgbImage img(plot.width, plot.height);
  const int left = 80, right = plot.width - 20, top = 40, bottom = plot.height - 60;
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const PlotSeries& s : plot.series) {
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const double e = i < s.y_error.size() && std::isfinite(s.y_error[i]) ? s.y_error[i] : 0;
      x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i] - e), y_hi = std::max(y_hi, s.y[i] + e);
    }
  }
  if (!(x_lo <= x_hi)) x_lo = 0, x_hi = 1;
  if (!(y_lo <= y_hi)) y_lo = 0, y_hi = 1;
  if (x_hi - x_lo < 1e-12) x_lo -= 0.5, x_hi += 0.5;
  if (y_hi - y_lo < 1e-12) y_lo -= 0.5, y_hi += 0.5;
  const double y_pad = 0.05 * (y_hi - y_lo);
  y_lo -= y_pad, y_hi += y_pad;
  // Pixel coordinates, clamped so that no value overflows an int.
  auto to_pixel = [](double v) { return static_cast<int>(std::lround(std::clamp(v, -1e6, 1e6))); };
  auto px = [&](double x) { return left + to_pixel((x - x_lo) / (x_hi - x_lo) * (right - left)); };
  auto py = [&](double y) { return bottom - to_pixel((y - y_lo) / (y_hi - y_lo) * (bottom - top)); };

  for (double t : NiceTicks(x_lo, x_hi)) {
    const int x = px(t);
    img.Line(x, top, x, bottom, kGrid);
    img.Line(x, bottom, x, bottom + 5, kBlack);
    const std::string label = TickLabel(t);
    img.Text(x - RgbImage::TextWidth(label) / 2, bottom + 9, label, kBlack);
  }
  for (double t : NiceTicks(y_lo, y_hi)) {
    const int y = py(t);
    img.Line(left, y, right, y, kGrid);
    img.Line(left - 5, y, left, y, kBlack);
    const std::string label = TickLabel(t);
    img.Text(left - 8 - RgbImage::TextWidth(label), y - 3, label, kBlack);
  }
  img.Line(left, top, left, bottom, kBlack);
  img.Line(left, bottom, right, bottom, kBlack);
  img.Text((plot.width - RgbImage::TextWidth(plot.title, 2)) / 2, 10, plot.title, kBlack, 2);
  img.Text((left + right - RgbImage::TextWidth(plot.x_label)) / 2, bottom + 30, plot.x_label, kBlack);
  img.Text(6, top - 14, plot.y_label, kBlack);

  for (size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    const Rgb color = kPalette[k % std::size(kPalette)];
    bool have_prev = false;
    int prev_x = 0, prev_y = 0;
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const int x = px(s.x[i]), y = py(s.y[i]);
      if (have_prev) {
        if (s.step) {
          img.Line(prev_x, prev_y, x, prev_y, color, 2);
          img.Line(x, prev_y, x, y, color, 2);
        } else {
          img.Line(prev_x, prev_y, x, y, color, 2);
        }
      }
      if (!s.step) img.FillRect(x - 2, y - 2, x + 2, y + 2, color);
      if (i < s.y_error.size() && std::isfinite(s.y_error[i]) && s.y_error[i] > 0) {
        const int y0 = py(s.y[i] - s.y_error[i]), y1 = py(s.y[i] + s.y_error[i]);
        img.Line(x, y0, x, y1, color);
        img.Line(x - 4, y0, x + 4, y0, color);
        img.Line(x - 4, y1, x + 4, y1, color);
      }
      have_prev = true, prev_x = x, prev_y = y;
    }
    // Legend, top left inside the axes.
    const int ly = top + 8 + static_cast<int>(k) * 14;
    img.FillRect(left + 10, ly, left + 24, ly + 6, color);
    img.Text(left + 30, ly, s.label, kBlack);
  }
  return img.EncodePng();
}

}  // namespace edgereason
