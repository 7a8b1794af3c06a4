#include "reasoning/stream_confidence.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace edgereason {

ConfidenceVector ConfidenceFeatures(std::span<const float> lp) {
  ConfidenceVector f{};
  if (lp.empty()) return f;
  const double n = static_cast<double>(lp.size());
  double sum = 0;
  float below50 = 0, below25 = 0;
  for (float v : lp) {
    sum += v;
    below50 += v < std::log(0.5f);
    below25 += v < std::log(0.25f);
  }
  std::vector<float> sorted(lp.begin(), lp.end());
  const size_t tail = std::max<size_t>(1, sorted.size() / 10);
  std::partial_sort(sorted.begin(), sorted.begin() + tail, sorted.end());
  double tail_sum = 0;
  for (size_t i = 0; i < tail; ++i) tail_sum += sorted[i];
  f[0] = static_cast<float>(sum / n);
  f[1] = sorted[0];
  f[2] = static_cast<float>(tail_sum / static_cast<double>(tail));
  f[3] = below50;
  f[4] = below25;
  return f;
}

}  // namespace edgereason
