// edgereason-train: see `edgereason-train --help`.
#include <malloc.h>

#include "train/cli.h"

int main(int argc, char** argv) {
  // Training allocates and frees the same large activation buffers every
  // step; by default glibc hands them back to the kernel each time and the
  // next step page-faults them in again (a third of the run's time in the
  // kernel, measured on sft). Keep freed memory in the process instead, also
  // blocks over glibc's largest mmap threshold (32 MB: attention scores of
  // long rows), which would otherwise still be mapped and unmapped each time
  // (9% faster sft on traces of ~450 tokens).
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
  return edgereason::train::RunCli(argc, argv);
}
