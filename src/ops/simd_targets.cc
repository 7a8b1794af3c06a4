#include "ops/simd_targets.h"

#include "ops/simd_config.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/simd_targets.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/targets.h"

HWY_BEFORE_NAMESPACE();
namespace edgereason {
namespace HWY_NAMESPACE {

// Compiled like every kernel, so dispatching to it reports where kernels go.
int64_t ThisTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace edgereason
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgereason {

HWY_EXPORT(ThisTarget);

std::vector<int64_t> CompiledSimdTargets() { return hwy::SupportedAndGeneratedTargets(); }

std::vector<int64_t> AllCompiledSimdTargets() {
  std::vector<int64_t> targets;
  for (int64_t t = HWY_TARGETS; t != 0; t &= t - 1) targets.push_back(t & ~(t - 1));
  return targets;
}

std::string SimdTargetName(int64_t target) { return hwy::TargetName(target); }

int64_t CurrentSimdTarget() { return HWY_DYNAMIC_DISPATCH(ThisTarget)(); }

}  // namespace edgereason
#endif  // HWY_ONCE
