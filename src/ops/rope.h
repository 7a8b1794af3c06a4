// Rotary position embeddings in the rotate-half layout of Hugging Face
// Llama/Qwen: dimension i pairs with i + head_dim/2.
#pragma once

#include <cstdint>
#include <vector>

namespace edgereason {

// The inverse frequencies [head_dim / 2] after any frequency scaling; built
// once per model (see model/rope_frequencies).
// Rotates `num_heads` heads of `head_dim` values at `position` in place.
void ApplyRope(float* heads, int64_t num_heads, int64_t head_dim, int64_t position,
               const std::vector<float>& inv_freq);

}  // namespace edgereason
