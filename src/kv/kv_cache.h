// Key/value cache for attention, stored in fixed-size blocks of positions.
//
// Each sequence owns a block table: position p of sequence s lives in block
// table[s][p / block_size] at slot p % block_size. A block holds, for every
// layer, block_size key vectors then block_size value vectors, each of
// kv_dim = num_kv_heads * head_dim floats:
//   block[layer][0 = key | 1 = value][slot][kv_dim]
// Blocks come from a pool with a free list and carry reference counts: Fork
// gives child sequences the parent's block table without copying any data,
// and a shared block is copied only when a sequence is about to write into it
// (copy-on-write, which only ever happens to a partly filled last block).
//
// Thread-safety: structure changes (add/free/reserve) are single-threaded;
// concurrent reads and writes of distinct positions are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct KvCacheShape {
  int64_t num_layers = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t kv_dim() const { return num_kv_heads * head_dim; }
};

class KvCache {
 public:
  // `max_tokens` caps the total number of cached positions over all sequences.
  KvCache(KvCacheShape shape, int64_t max_tokens, int64_t block_size = 16);

  const KvCacheShape& shape() const { return shape_; }
  int64_t block_size() const { return block_size_; }

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

  // [kv_dim] key / value vector of one position; valid until the sequence is
  // resized or freed.
  float* Key(int32_t seq, int64_t layer, int64_t pos);
  float* Value(int32_t seq, int64_t layer, int64_t pos);
  const float* Key(int32_t seq, int64_t layer, int64_t pos) const;
  const float* Value(int32_t seq, int64_t layer, int64_t pos) const;

  // Bytes of the distinct blocks held by live sequences (a shared block counts once).
  int64_t BytesInUse() const;
  int64_t BytesPerBlock() const { return FloatsPerBlock() * static_cast<int64_t>(sizeof(float)); }

 private:
  struct Sequence {
    bool live = false;
    int64_t length = 0;
    std::vector<int32_t> blocks;
  };
  float* Slot(int32_t seq, int64_t layer, int64_t pos, int which) const;
  Result<int32_t> AllocateBlock();
  void ReleaseBlock(int32_t block);
  int64_t FloatsPerBlock() const { return shape_.num_layers * 2 * block_size_ * shape_.kv_dim(); }

  KvCacheShape shape_;
  int64_t block_size_;
  int64_t max_blocks_;
  std::vector<std::unique_ptr<float[]>> blocks_;
  std::vector<int32_t> free_blocks_;
  std::vector<int32_t> block_refs_;  // [block] number of sequences holding it
  std::vector<Sequence> sequences_;
};

}  // namespace edgereason
