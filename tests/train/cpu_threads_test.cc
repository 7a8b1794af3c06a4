// The trainer's thread split: bf16 gives libtorch every thread; f32 gives it
// one and OpenBLAS (when it is the BLAS) all of them.
#include "train/cpu_threads.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace edgereason::train {
namespace {

// OpenBLAS's own count, or -1 when libtorch's BLAS is not OpenBLAS.
int OpenBlasThreads() {
  using GetFn = int (*)();
  auto get = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get != nullptr ? get() : -1;
}

TEST(CpuThreads, Bf16GivesLibtorchEveryThread) {
  const CpuThreads t = ConfigureCpuThreads(3, /*bf16=*/true);
  EXPECT_EQ(t.torch, 3);
  EXPECT_EQ(torch::get_num_threads(), 3);
  if (OpenBlasThreads() >= 0) {
    EXPECT_EQ(t.blas, 3);
    EXPECT_EQ(OpenBlasThreads(), 3);
  } else {
    EXPECT_EQ(t.blas, 0);
  }
}

TEST(CpuThreads, F32GivesLibtorchOneThreadAndTheBlasTheRest) {
  const CpuThreads t = ConfigureCpuThreads(2, /*bf16=*/false);
  EXPECT_EQ(t.torch, 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  if (OpenBlasThreads() >= 0) {
    EXPECT_EQ(t.blas, 2);
    EXPECT_EQ(OpenBlasThreads(), 2);
  }
  const nlohmann::json j = ToJson(t);
  EXPECT_EQ(j["torch"], 1);
  EXPECT_EQ(j["blas"], t.blas);
}

TEST(CpuThreads, ZeroMeansEveryAvailableCore) {
  const CpuThreads t = ConfigureCpuThreads(0, /*bf16=*/true);
  EXPECT_GE(t.torch, 1);
  EXPECT_EQ(torch::get_num_threads(), t.torch);
}

}  // namespace
}  // namespace edgereason::train
