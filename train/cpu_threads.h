// How the trainer spreads `--threads` cores over libtorch and the BLAS.
//
// In bf16, libtorch's matrix products run in oneDNN on libtorch's own OpenMP
// threads, so they get every thread. In f32 they run in OpenBLAS on its own
// pthreads, and libtorch's OpenMP threads spin-wait between operations on the
// very cores OpenBLAS needs: on a 2-core AVX2 EPYC one libtorch thread
// trained 2.3-2.8x faster than two (tokens/s, demo configurations: phase 1
// 560 -> 1,594, phase 2 1,690 -> 4,703, SFT 1,406 -> 3,183). So in f32
// libtorch gets one thread and OpenBLAS all of them.
#pragma once

#include <nlohmann/json.hpp>

namespace edgereason::train {

struct CpuThreads {
  int torch = 0;  // libtorch intra-op threads
  int blas = 0;   // OpenBLAS threads; 0 when the BLAS is not OpenBLAS (left alone)
};

// Applies the split for `threads` cores (<= 0: every core this process may
// use) and training in bf16 or f32; returns what it set. Call once, before
// any libtorch work; not thread-safe (it sets process-wide thread counts).
CpuThreads ConfigureCpuThreads(int threads, bool bf16);

nlohmann::json ToJson(const CpuThreads& t);

}  // namespace edgereason::train
