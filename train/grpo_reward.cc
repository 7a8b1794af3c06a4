#include "train/grpo_reward.h"

#include <algorithm>
#include <cmath>

namespace edgereason::train {

double SoftBarrier(int64_t length, int64_t budget, const BarrierConfig& c) {
  const double b = static_cast<double>(budget), l = static_cast<double>(length);
  const double lo = (1.0 - c.window) * b, hi = (1.0 + c.window) * b;
  if (l <= lo) return 1.0;
  if (l >= hi) return c.floor;
  return 1.0 - (1.0 - c.floor) * (l - lo) / (hi - lo);
}

double BudgetReward(bool correct, int64_t length, int64_t budget, const BarrierConfig& c) {
  return correct ? SoftBarrier(length, budget, c) : 0.0;
}

std::vector<double> GroupAdvantages(const std::vector<double>& rewards, double eps, RewardScaling scaling) {
  if (rewards.empty()) return {};
  const double n = static_cast<double>(rewards.size());
  double mean = 0;
  for (double r : rewards) mean += r;
  mean /= n;
  double var = 0;
  for (double r : rewards) var += (r - mean) * (r - mean);
  const double sd = std::sqrt(var / n);
  if (sd < 1e-12) return {};
  std::vector<double> a;
  const double scale = scaling == RewardScaling::kGroup ? sd + eps : 1.0;
  for (double r : rewards) a.push_back((r - mean) / scale);
  return a;
}

}  // namespace edgereason::train
