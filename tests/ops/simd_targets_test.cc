#include "ops/simd_targets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "hwy/targets.h"
#include "simd_test_util.h"

namespace edgereason {
namespace {

bool Has(const std::vector<int64_t>& targets, int64_t t) {
  return std::find(targets.begin(), targets.end(), t) != targets.end();
}

TEST(SimdTargetsTest, CompiledTargetsIncludeAvx2AndAvx512) {
  std::cout << "compiled SIMD targets:";
  for (int64_t t : AllCompiledSimdTargets()) std::cout << ' ' << SimdTargetName(t);
  std::cout << "\nrunnable here:";
  for (int64_t t : CompiledSimdTargets()) std::cout << ' ' << SimdTargetName(t);
  std::cout << "\ndispatching to: " << SimdTargetName(CurrentSimdTarget()) << '\n';
#if HWY_ARCH_X86
  const auto all = AllCompiledSimdTargets();
  EXPECT_TRUE(Has(all, HWY_AVX2));
  EXPECT_TRUE(Has(all, HWY_AVX3));
  EXPECT_TRUE(Has(all, HWY_AVX3_DL));
#endif
  EXPECT_FALSE(CompiledSimdTargets().empty());
}

TEST(SimdTargetsTest, RestrictingDispatchChangesTheCurrentTarget) {
  test::ForEachSimdTarget([] {});
  for (int64_t t : CompiledSimdTargets()) {
    hwy::SetSupportedTargetsForTest(t);
    EXPECT_EQ(CurrentSimdTarget(), t);
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace
}  // namespace edgereason
