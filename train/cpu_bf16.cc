#include "train/cpu_bf16.h"

#include <cstdio>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace edgereason::train {

bool CpuHasNativeBf16() {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports also checks that the OS saves the AVX-512 state.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#elif defined(__aarch64__) && defined(__linux__) && defined(HWCAP2_BF16)
  return (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0;
#else
  return false;
#endif
}

bool ResolveBf16(bool requested, const char* command, bool announce) {
  if (!requested) return false;
  if (CpuHasNativeBf16()) return true;
  if (!announce) return false;
  std::fprintf(
      stderr,
      "edgereason-train %s: this CPU has no native bf16 (AVX512_BF16, AMX-BF16 or Arm BF16); "
      "emulated bf16 is several times slower than f32 here, so --bf16 is ignored and this "
      "run trains in f32\n",
      command);
  return false;
}

}  // namespace edgereason::train
