#include "train/cpu_threads.h"

#include <dlfcn.h>
#include <sched.h>
#include <torch/torch.h>

#include <algorithm>
#include <thread>

namespace edgereason::train {
namespace {

// The cores this process may run on (its affinity mask, as taskset or a
// container limits it), at least 1.
int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// OpenBLAS's thread setter when libtorch's BLAS is OpenBLAS (Debian's
// libtorch links libblas.so.3, which the alternatives system may point at
// OpenBLAS or at the reference BLAS); looked up at run time so nothing links
// against a particular BLAS.
using SetThreadsFn = void (*)(int);
SetThreadsFn OpenBlasSetThreads() {
  return reinterpret_cast<SetThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}

}  // namespace

CpuThreads ConfigureCpuThreads(int threads, bool bf16) {
  const int cores = threads > 0 ? threads : AvailableCores();
  CpuThreads t;
  t.torch = bf16 ? cores : 1;
  torch::set_num_threads(t.torch);
  if (SetThreadsFn set = OpenBlasSetThreads()) {
    t.blas = cores;
    set(t.blas);
  }
  return t;
}

nlohmann::json ToJson(const CpuThreads& t) {
  return {{"torch", t.torch}, {"blas", t.blas}};
}

}  // namespace edgereason::train
