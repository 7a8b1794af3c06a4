// Key/value cache for attention, stored in fixed-size blocks of positions.
//
// Each sequence owns a block table: position p of sequence s lives in block
// table[s][p / block_size] at slot p % block_size. A block holds, for every
// layer, the keys then the values of its block_size positions, head-major so
// that attention (which reads one KV head at a time) streams contiguous
// memory:
//   block[layer][0 = key | 1 = value][kv_head][slot][head_dim]
// Blocks come from a pool with a free list and carry reference counts: Fork
// gives child sequences the parent's block table without copying any data,
// and a shared block is copied only when a sequence is about to write into it
// (copy-on-write, which only ever happens to a partly filled last block).
//
// Storage types: f32 (the fidelity reference), f16, bf16, or int8 with one f32
// scale per (position, KV head) — the paper's KV8. The scales live in the
// block after the values, so copy-on-write and forks carry them along.
//
// Thread-safety: structure changes (add/free/reserve) are single-threaded;
// concurrent reads and writes of distinct positions are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgereason {

enum class KvDType : uint8_t { kF32, kF16, kBF16, kInt8 };
// "f32", "f16", "bf16", "int8".
const char* KvDTypeName(KvDType dtype);
std::optional<KvDType> KvDTypeFromName(std::string_view name);

struct KvCacheShape {
  int64_t num_layers = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t kv_dim() const { return num_kv_heads * head_dim; }
};

class KvCache {
 public:
  // `max_tokens` caps the total number of cached positions over all sequences.
  KvCache(KvCacheShape shape, int64_t max_tokens, int64_t block_size = 16,
          KvDType dtype = KvDType::kF32);

  KvDType dtype() const { return dtype_; }

  const KvCacheShape& shape() const { return shape_; }
  int64_t block_size() const { return block_size_; }
  // Raises the most positions the cache may hold (over all sequences) to
  // `max_tokens`, never lowers it: blocks are allocated as they are used, so
  // the capacity is a bound on memory, not memory.
  void RaiseCapacity(int64_t max_tokens);

  // Returns the id of a new, empty sequence.
  int32_t AddSequence();
  Status FreeSequence(int32_t seq);
  // `count` new sequences sharing every block of `seq` (its whole history).
  Result<std::vector<int32_t>> Fork(int32_t seq, int count);
  bool HasSequence(int32_t seq) const;

  // Number of positions of `seq` that hold data.
  int64_t Length(int32_t seq) const;
  // Makes room for positions [0, length) and sets the length to `length`
  // (positions beyond the old length are then written by the caller). Growing
  // into a block shared with another sequence copies that block first;
  // shrinking releases whole blocks no longer needed.
  Status Resize(int32_t seq, int64_t length);

  // Stores the [kv_dim] key and value of one position (converted to the
  // storage type).
  void Write(int32_t seq, int64_t layer, int64_t pos, const float* key, const float* value);
  // Keys and values of positions [begin, end) as f32, [end - begin, kv_dim] each.
  void Gather(int32_t seq, int64_t layer, int64_t begin, int64_t end, float* keys,
              float* values) const;

  // Attention reads the stored elements in place: block `block` (positions
  // [block · block_size, +block_size)) of `seq` in `layer`, keys (which = 0)
  // or values (which = 1), laid out [num_kv_heads][block_size][head_dim] in
  // the cache's storage type; for int8 also its f32 scales
  // [block_size][num_kv_heads]. Valid until the sequence is resized or freed.
  const void* BlockData(int32_t seq, int64_t layer, int64_t block, int which) const;
  const float* BlockScales(int32_t seq, int64_t layer, int64_t block, int which) const;

  // Bytes of the distinct blocks held by live sequences (a shared block counts once).
  int64_t BytesInUse() const;
  // Bytes of every block ever allocated (in use or on the free list): the
  // cache's resident memory, never less than BytesInUse.
  int64_t BytesAllocated() const { return static_cast<int64_t>(blocks_.size()) * bytes_per_block_; }
  int64_t BytesPerBlock() const { return bytes_per_block_; }

 private:
  struct Sequence {
    bool live = false;
    int64_t length = 0;
    std::vector<int32_t> blocks;
  };
  // The stored keys or values of one layer in a block ([kv_head][slot][hd])
  // and, for int8, their scales ([slot][kv_head]).
  uint8_t* Area(int32_t seq, int64_t layer, int64_t block, int which) const;
  float* AreaScales(int32_t seq, int64_t layer, int64_t block, int which) const;
  // One position's [kv_dim] row into / out of slot `slot` of an area.
  void Store(const float* in, int64_t slot, uint8_t* area, float* scales) const;
  void Load(const uint8_t* area, const float* scales, int64_t slot, float* out) const;
  Result<int32_t> AllocateBlock();
  void ReleaseBlock(int32_t block);

  KvCacheShape shape_;
  int64_t block_size_;
  int64_t max_blocks_;
  KvDType dtype_;
  int64_t value_bytes_;      // bytes of one stored element
  int64_t values_bytes_;     // [layers][2][kv_heads][block][head_dim] stored values
  int64_t bytes_per_block_;  // values, then int8 scales [layers][2][block][kv_heads] f32
  std::vector<std::unique_ptr<float[]>> blocks_;  // float-aligned raw storage
  std::vector<int32_t> free_blocks_;
  std::vector<int32_t> block_refs_;  // [block] number of sequences holding it
  std::vector<Sequence> sequences_;
};

}  // namespace edgereason
