// Simple line and step plots rendered to PNG: axes with "nice" tick labels,
// a title, axis labels, a legend, optional error bars.
#pragma once

#include <string>
#include <vector>

namespace edgereason {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> y_error;  // empty, or one half-width per point
  bool step = false;            // a staircase (e.g. a CDF) instead of straight segments
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  int width = 720, height = 480;
};

// The PNG bytes. Non-finite points are skipped; an empty plot still renders.
std::string RenderLinePlotPng(const LinePlot& plot);

}  // namespace edgereason
