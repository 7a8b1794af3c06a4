// Figures for a binary head's scores against 0/1 labels: ROC AUC, a threshold
// sweep (what routing at each threshold does) and calibration (ECE with
// reliability bins). Plain C++; no libtorch.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace edgereason::train {

// Probability that a random positive scores above a random negative (ties
// count half); 0.5 when either class is absent.
double RocAuc(const std::vector<double>& scores, const std::vector<double>& labels);

struct SweepPoint {
  double threshold = 0;
  double accuracy = 0;          // (score >= t) == label
  double precision = 0, recall = 0;
  double positive_fraction = 0; // share routed to the positive side (reasoning)
};
std::vector<SweepPoint> ThresholdSweep(const std::vector<double>& scores,
                                       const std::vector<double>& labels, int steps = 19);

struct ReliabilityBin {
  double lo = 0, hi = 0;
  int64_t count = 0;
  double mean_score = 0, positive_rate = 0;
};
struct Calibration {
  double ece = 0;  // sum over bins of count/N * |mean_score - positive_rate|
  std::vector<ReliabilityBin> bins;
};
Calibration Calibrate(const std::vector<double>& scores, const std::vector<double>& labels,
                      int bins = 10);

nlohmann::ordered_json SweepJson(const std::vector<SweepPoint>& sweep);
nlohmann::ordered_json CalibrationJson(const Calibration& c);

}  // namespace edgereason::train
