// `--bf16` resolution: the CPU check agrees with the kernel's own reading of
// the CPU (/proc/cpuinfo flags), and a run reports the precision it used.
#include "train/cpu_bf16.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "train/distributed.h"
#include "train/supervised_loop.h"

namespace edgereason::train {
namespace {

// Every word of /proc/cpuinfo's first "flags" (x86) or "Features" (Arm) line.
std::set<std::string> KernelCpuFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("flags") && !line.starts_with("Features")) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST(CpuBf16, AgreesWithTheKernelsCpuFlags) {
  const std::set<std::string> flags = KernelCpuFlags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags on this system";
#if defined(__x86_64__) || defined(__i386__)
  const bool kernel_says = flags.contains("avx512_bf16") || flags.contains("amx_bf16");
#elif defined(__aarch64__)
  const bool kernel_says = flags.contains("bf16");
#else
  const bool kernel_says = false;
#endif
  EXPECT_EQ(CpuHasNativeBf16(), kernel_says);
}

TEST(CpuBf16, Bf16OnlyWhenAskedAndNative) {
  EXPECT_FALSE(ResolveBf16(false, "test"));
  EXPECT_EQ(ResolveBf16(true, "test"), CpuHasNativeBf16());
}

// Of the N processes of a data-parallel run only rank 0 says that --bf16 is
// ignored; the others resolve the same precision quietly.
TEST(CpuBf16, OneProcessOfADataParallelRunAnnounces) {
  EXPECT_TRUE(IsLeadProcess());
  setenv("EDGEREASON_WORLD_SIZE", "2", 1);
  setenv("EDGEREASON_RANK", "1", 1);
  EXPECT_FALSE(IsLeadProcess());
  setenv("EDGEREASON_RANK", "0", 1);
  EXPECT_TRUE(IsLeadProcess());
  unsetenv("EDGEREASON_WORLD_SIZE");
  unsetenv("EDGEREASON_RANK");
  testing::internal::CaptureStderr();
  EXPECT_EQ(ResolveBf16(true, "test", /*announce=*/false), CpuHasNativeBf16());
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  testing::internal::CaptureStderr();
  ResolveBf16(true, "test");
  const std::string note = testing::internal::GetCapturedStderr();
  EXPECT_EQ(note.empty(), CpuHasNativeBf16()) << note;
}

TEST(CpuBf16, RunReportsItsPrecision) {
  LoopResult r;
  EXPECT_EQ(r.ToJson()["precision"], "f32");
  r.bf16 = true;
  EXPECT_EQ(r.ToJson()["precision"], "bf16");
}

}  // namespace
}  // namespace edgereason::train
