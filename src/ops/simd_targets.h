// Which SIMD instruction sets the ops kernels were compiled for, so tests can
// run every kernel on each of them and benchmarks can say which one ran.
//
// Every kernel file includes ops/simd_config.h before Highway, so all of them
// are compiled for the same set of targets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgereason {

// Highway target bits compiled into the kernels that this CPU can run, best
// first (e.g. AVX3_DL, AVX3, AVX2, SSE4, SSSE3 on an AVX-512 VNNI machine).
std::vector<int64_t> CompiledSimdTargets();
// Every target compiled in, whether or not this CPU supports it.
std::vector<int64_t> AllCompiledSimdTargets();
std::string SimdTargetName(int64_t target);
// The target the kernels dispatch to now.
int64_t CurrentSimdTarget();

}  // namespace edgereason
