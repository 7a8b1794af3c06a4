// Runs a test body once per SIMD target compiled into the ops kernels that
// this CPU supports, with dispatch restricted to that target.
#pragma once

#include <gtest/gtest.h>

#include "hwy/targets.h"
#include "ops/simd_targets.h"

namespace edgereason::test {

template <class Body>
void ForEachSimdTarget(Body&& body) {
  for (int64_t target : CompiledSimdTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE("SIMD target " + SimdTargetName(target));
    body();
  }
  hwy::SetSupportedTargetsForTest(0);  // back to the CPU's best
}

}  // namespace edgereason::test
