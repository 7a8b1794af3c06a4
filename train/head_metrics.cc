#include "train/head_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace edgereason::train {

double RocAuc(const std::vector<double>& scores, const std::vector<double>& labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney: sum of the positives' ranks, tied scores sharing their mean rank.
  double rank_sum = 0, positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double mean_rank = (double(i) + double(j - 1)) / 2.0 + 1.0;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] > 0.5) {
        rank_sum += mean_rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = double(n) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

std::vector<SweepPoint> ThresholdSweep(const std::vector<double>& scores,
                                       const std::vector<double>& labels, int steps) {
  std::vector<SweepPoint> out;
  const double n = std::max<double>(double(scores.size()), 1);
  for (int s = 1; s <= steps; ++s) {
    SweepPoint p;
    p.threshold = double(s) / (steps + 1);
    double tp = 0, fp = 0, fn = 0, correct = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      const bool pred = scores[i] >= p.threshold, pos = labels[i] > 0.5;
      tp += pred && pos;
      fp += pred && !pos;
      fn += !pred && pos;
      correct += pred == pos;
    }
    p.accuracy = correct / n;
    p.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    p.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    p.positive_fraction = (tp + fp) / n;
    out.push_back(p);
  }
  return out;
}

Calibration Calibrate(const std::vector<double>& scores, const std::vector<double>& labels,
                      int bins) {
  Calibration c;
  c.bins.resize(bins);
  for (int b = 0; b < bins; ++b) {
    c.bins[b].lo = double(b) / bins;
    c.bins[b].hi = double(b + 1) / bins;
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    const int b = std::clamp(static_cast<int>(scores[i] * bins), 0, bins - 1);
    c.bins[b].count += 1;
    c.bins[b].mean_score += scores[i];
    c.bins[b].positive_rate += labels[i] > 0.5 ? 1.0 : 0.0;
  }
  const double n = std::max<double>(double(scores.size()), 1);
  for (ReliabilityBin& b : c.bins) {
    if (b.count == 0) continue;
    b.mean_score /= double(b.count);
    b.positive_rate /= double(b.count);
    c.ece += double(b.count) / n * std::abs(b.mean_score - b.positive_rate);
  }
  return c;
}

nlohmann::ordered_json SweepJson(const std::vector<SweepPoint>& sweep) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const SweepPoint& p : sweep) {
    j.push_back({{"threshold", p.threshold}, {"accuracy", p.accuracy}, {"precision", p.precision},
                 {"recall", p.recall}, {"positive_fraction", p.positive_fraction}});
  }
  return j;
}

nlohmann::ordered_json CalibrationJson(const Calibration& c) {
  nlohmann::ordered_json bins = nlohmann::ordered_json::array();
  for (const ReliabilityBin& b : c.bins) {
    bins.push_back({{"lo", b.lo}, {"hi", b.hi}, {"count", b.count},
                    {"mean_score", b.mean_score}, {"positive_rate", b.positive_rate}});
  }
  return {{"ece", c.ece}, {"bins", bins}};
}

}  // namespace edgereason::train
