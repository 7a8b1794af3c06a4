// Whether `--bf16` pays off on this CPU, and what the trainer does when it
// does not.
//
// libtorch's bf16 autocast is fast only where the CPU multiplies bf16
// natively (x86 AVX512_BF16 or AMX-BF16, the Arm BF16 extension); elsewhere
// it is emulated and slower than f32, not faster. Measured on a 2-core AVX2
// EPYC (no AVX-512): masked-LoRA SFT on the demo's traces ran at 103 tokens/s
// with bf16 and 1,157 in f32 (11x); on the 2-core Xeon with AVX-512 BF16 the
// demo's SFT runs at ~10k tokens/s in bf16, 4-5x its f32 speed.
#pragma once

namespace edgereason::train {

// True when this CPU (and the OS, for the register state) supports bf16
// dot products: AVX512_BF16 or AMX-BF16 on x86, FEAT_BF16 on AArch64.
// Thread-safe; reads CPUID / the auxiliary vector on every call.
bool CpuHasNativeBf16();

// The precision a command runs in: bf16 when it was asked for and the CPU
// has it natively; otherwise f32, with a note on stderr naming the command
// (when `announce`: one process of a data-parallel run says it), so a copied
// `--bf16` never makes training several times slower.
bool ResolveBf16(bool requested, const char* command, bool announce = true);

}  // namespace edgereason::train
