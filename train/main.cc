// edgereason-train: see `edgereason-train --help`.
#include <malloc.h>

#include "train/cli.h"

int main(int argc, char** argv) {
  // Training allocates and frees the same large activation buffers every
  // step; by default glibc hands them back to the kernel each time and the
  // next step page-faults them in again (a third of the run's time in the
  // kernel, measured on sft). Keep freed memory in the process instead.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
  return edgereason::train::RunCli(argc, argv);
}
