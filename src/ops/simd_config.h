// Highway target policy shared by every kernel file; include it before any
// Highway header. Zen 4/5 and Ice Lake+ CPUs have AVX-512 VNNI/VBMI2, which
// Highway only compiles for (as AVX3_DL) when asked to.
#pragma once

#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL 1
#endif
