// Causal grouped-query attention of one query position over a sequence's
// cached keys and values.
#pragma once

#include <cstdint>

namespace edgereason {

// How cached keys and values are stored: f32 (the fidelity reference), IEEE
// f16, bf16, or int8 with one f32 scale per (position, KV head) — the
// paper's KV8 (value = int8 · scale).
enum class KvElement : uint8_t { kF32, kF16, kBF16, kInt8 };

// Keys and values of positions [0, length) of one sequence in one layer, held
// in blocks of `block_size` positions, head-major: block b holds
// [num_kv_heads][block_size][head_dim] elements of type `element`, and
// position p is slot p % block_size of block p / block_size. For kInt8,
// key_scale_blocks[b] (and the value equivalent) holds [block_size,
// num_kv_heads] f32 scales; otherwise unused. The kernels read the stored
// elements in place (no widened copy), one head's contiguous rows at a time.
struct KvSpan {
  const void* const* key_blocks = nullptr;
  const void* const* value_blocks = nullptr;
  int64_t block_size = 0;
  int64_t length = 0;
  KvElement element = KvElement::kF32;
  const float* const* key_scale_blocks = nullptr;
  const float* const* value_scale_blocks = nullptr;
};

struct AttentionShape {
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;  // query head h reads kv head h / (num_heads / num_kv_heads)
  int64_t head_dim = 0;
  // Only KV heads [kv_head_begin, kv_head_end) and their query heads are
  // computed (-1: up to num_kv_heads), so callers can split one query's heads
  // across threads; other heads of `out` are left untouched.
  int64_t kv_head_begin = 0;
  int64_t kv_head_end = -1;
};

// out[num_heads, head_dim] = softmax(q kᵀ / sqrt(head_dim)) v over every
// position of `kv` (the caller passes exactly the positions the query may
// see). `scores` is scratch of at least kv.length floats (kept for callers;
// the kernel itself needs none).
//
// Highway kernel, dispatched at run time: the query heads that share a KV
// head are processed together, so each cached key and value row is read
// from memory once per call (not once per query head); keys are visited in
// tiles of 64 positions with an online softmax (running max and sum, output
// rescaled when the max grows), so no score array of the context's length
// is touched.
void AttendOneQuery(const float* q, const KvSpan& kv, const AttentionShape& shape, float* out,
                    float* scores);

// Scalar reference: all scores, then a two-pass softmax (sum in double),
// then the weighted sum of values. `scores`: at least kv.length floats.
void AttendOneQueryReference(const float* q, const KvSpan& kv, const AttentionShape& shape,
                             float* out, float* scores);

}  // namespace edgereason
