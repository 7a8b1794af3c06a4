// The SwiGLU gate of Llama/Qwen MLPs: out = silu(gate) * up.
#pragma once

#include <cstdint>

namespace edgereason {

// gate, up, out: [n] (out may alias gate).
void SiluMul(const float* gate, const float* up, int64_t n, float* out);

}  // namespace edgereason
