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

// How a group's rewards become advantages (TRL's `scale_rewards`):
//   kGroup: (r − mean) / (std + eps), population std — every group's
//           advantages have unit size, so a group whose rollouts are all right
//           and differ only by a little length gets as strong a push as one
//           that splits right from wrong;
//   kNone:  r − mean (Dr. GRPO) — advantages keep the rewards' scale, so small
//           reward differences make small updates.
enum class RewardScaling { kGroup, kNone };

// Advantages for one group. Empty when every reward is equal: such a group
// carries no signal and is dropped.
std::vector<double> GroupAdvantages(const std::vector<double>& rewards, double eps = 1e-4,
                                    RewardScaling scaling = RewardScaling::kGroup);

}  // namespace edgereason::train
