#include "kv/kv_cache.h"

#include <algorithm>
#include <string>

namespace edgereason {

KvCache::KvCache(KvCacheShape shape, int64_t max_tokens, int64_t block_size)
    : shape_(shape),
      block_size_(block_size),
      max_blocks_((max_tokens + block_size - 1) / block_size) {}

int32_t KvCache::AddSequence() {
  for (size_t i = 0; i < sequences_.size(); ++i) {
    if (!sequences_[i].live) {
      sequences_[i] = Sequence{true, 0, {}};
      return static_cast<int32_t>(i);
    }
  }
  sequences_.push_back(Sequence{true, 0, {}});
  return static_cast<int32_t>(sequences_.size() - 1);
}

bool KvCache::HasSequence(int32_t seq) const {
  return seq >= 0 && static_cast<size_t>(seq) < sequences_.size() && sequences_[seq].live;
}

Status KvCache::FreeSequence(int32_t seq) {
  if (!HasSequence(seq)) return InvalidArgument("KV cache: no sequence " + std::to_string(seq));
  for (int32_t b : sequences_[seq].blocks) ReleaseBlock(b);
  sequences_[seq] = Sequence{};
  return Status::Ok();
}

Result<std::vector<int32_t>> KvCache::Fork(int32_t seq, int count) {
  if (!HasSequence(seq)) return InvalidArgument("KV cache: no sequence " + std::to_string(seq));
  if (count < 0) return InvalidArgument("KV cache: cannot fork a negative number of sequences");
  std::vector<int32_t> children;
  for (int i = 0; i < count; ++i) {
    const int32_t child = AddSequence();
    sequences_[child].length = sequences_[seq].length;  // AddSequence may have moved sequences_
    sequences_[child].blocks = sequences_[seq].blocks;
    for (int32_t b : sequences_[child].blocks) ++block_refs_[b];
    children.push_back(child);
  }
  return children;
}

Result<int32_t> KvCache::AllocateBlock() {
  int32_t block;
  if (!free_blocks_.empty()) {
    block = free_blocks_.back();
    free_blocks_.pop_back();
  } else {
    if (static_cast<int64_t>(blocks_.size()) >= max_blocks_) {
      return OutOfRange("KV cache is full: " + std::to_string(max_blocks_ * block_size_) +
                        " positions in use; raise the KV capacity");
    }
    blocks_.push_back(std::make_unique<float[]>(FloatsPerBlock()));
    block_refs_.push_back(0);
    block = static_cast<int32_t>(blocks_.size() - 1);
  }
  block_refs_[block] = 1;
  return block;
}

void KvCache::ReleaseBlock(int32_t block) {
  if (--block_refs_[block] == 0) free_blocks_.push_back(block);
}

int64_t KvCache::Length(int32_t seq) const {
  return HasSequence(seq) ? sequences_[seq].length : 0;
}

Status KvCache::Resize(int32_t seq, int64_t length) {
  if (!HasSequence(seq)) return InvalidArgument("KV cache: no sequence " + std::to_string(seq));
  if (length < 0) return InvalidArgument("KV cache: negative length");
  const int64_t old_length = sequences_[seq].length;
  const size_t needed = static_cast<size_t>((length + block_size_ - 1) / block_size_);
  while (sequences_[seq].blocks.size() > needed) {
    ReleaseBlock(sequences_[seq].blocks.back());
    sequences_[seq].blocks.pop_back();
  }
  // Copy-on-write: existing blocks that will receive new positions must be
  // this sequence's own.
  if (length > old_length) {
    const size_t first_written = static_cast<size_t>(old_length / block_size_);
    for (size_t b = first_written; b < sequences_[seq].blocks.size(); ++b) {
      const int32_t shared = sequences_[seq].blocks[b];
      if (block_refs_[shared] <= 1) continue;
      ER_ASSIGN_OR_RETURN(int32_t own, AllocateBlock());
      std::copy_n(blocks_[shared].get(), FloatsPerBlock(), blocks_[own].get());
      ReleaseBlock(shared);
      sequences_[seq].blocks[b] = own;
    }
  }
  while (sequences_[seq].blocks.size() < needed) {
    ER_ASSIGN_OR_RETURN(int32_t block, AllocateBlock());
    sequences_[seq].blocks.push_back(block);
  }
  sequences_[seq].length = length;
  return Status::Ok();
}

float* KvCache::Slot(int32_t seq, int64_t layer, int64_t pos, int which) const {
  const Sequence& s = sequences_[seq];
  float* block = blocks_[s.blocks[pos / block_size_]].get();
  const int64_t slot = pos % block_size_;
  return block + ((layer * 2 + which) * block_size_ + slot) * shape_.kv_dim();
}

float* KvCache::Key(int32_t seq, int64_t layer, int64_t pos) { return Slot(seq, layer, pos, 0); }
float* KvCache::Value(int32_t seq, int64_t layer, int64_t pos) { return Slot(seq, layer, pos, 1); }
const float* KvCache::Key(int32_t seq, int64_t layer, int64_t pos) const {
  return Slot(seq, layer, pos, 0);
}
const float* KvCache::Value(int32_t seq, int64_t layer, int64_t pos) const {
  return Slot(seq, layer, pos, 1);
}

int64_t KvCache::BytesInUse() const {
  int64_t blocks = 0;
  for (int32_t refs : block_refs_) blocks += refs > 0 ? 1 : 0;
  return blocks * BytesPerBlock();
}

}  // namespace edgereason
