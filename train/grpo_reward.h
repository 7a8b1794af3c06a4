// The GRPO reward with budget forcing and group-normalised advantages.
//
// Soft barrier on L = every generated token (thinking and answer: counting
// only the thinking lets a policy close </think> early and keep reasoning in
// the answer), for the bucket B stated in the preamble and window m:
//   R_budget(L) = 1                                 L <= (1−m)B
//                 1 − (1−p)·(L − (1−m)B) / (2mB)    (1−m)B < L < (1+m)B
//                 p                                 L >= (1+m)B
// reward = correctness (0/1) × R_budget(L).
#pragma once

#include <cstdint>
#include <vector>

namespace edgereason::train {

struct BarrierConfig {
  double window = 0.2;       // m
  double floor = 0.0;        // p
};

double SoftBarrier(int64_t length, int64_t budget, const BarrierConfig& config);
double BudgetReward(bool correct, int64_t length, int64_t budget, const BarrierConfig& config);

// (r − mean) / (std + eps) over one group (population std). Empty when every
// reward is equal: such a group carries no signal and is dropped.
std::vector<double> GroupAdvantages(const std::vector<double>& rewards, double eps = 1e-4);

}  // namespace edgereason::train
