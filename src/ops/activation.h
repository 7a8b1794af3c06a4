// The SwiGLU gate of Llama/Qwen MLPs: out = silu(gate) * up.
#pragma once

#include <cstdint>

namespace edgereason {

// gate, up, out: [n] (out may alias gate). Highway kernel with a vector exp
// (a few ulp from std::exp), dispatched at run time.
void SiluMul(const float* gate, const float* up, int64_t n, float* out);

// Scalar reference with std::exp.
void SiluMulReference(const float* gate, const float* up, int64_t n, float* out);

}  // namespace edgereason
