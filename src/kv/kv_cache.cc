#include "kv/kv_cache.h"

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
  for (int32_t b : sequences_[seq].blocks) free_blocks_.push_back(b);
  sequences_[seq] = Sequence{};
  return Status::Ok();
}

int64_t KvCache::Length(int32_t seq) const {
  return HasSequence(seq) ? sequences_[seq].length : 0;
}

Status KvCache::Resize(int32_t seq, int64_t length) {
  if (!HasSequence(seq)) return InvalidArgument("KV cache: no sequence " + std::to_string(seq));
  if (length < 0) return InvalidArgument("KV cache: negative length");
  Sequence& s = sequences_[seq];
  const size_t needed = static_cast<size_t>((length + block_size_ - 1) / block_size_);
  while (s.blocks.size() > needed) {
    free_blocks_.push_back(s.blocks.back());
    s.blocks.pop_back();
  }
  while (s.blocks.size() < needed) {
    int32_t block;
    if (!free_blocks_.empty()) {
      block = free_blocks_.back();
      free_blocks_.pop_back();
    } else {
      if (static_cast<int64_t>(blocks_.size()) >= max_blocks_) {
        return OutOfRange("KV cache is full: " + std::to_string(max_blocks_ * block_size_) +
                          " positions in use; raise the context size");
      }
      blocks_.push_back(std::make_unique<float[]>(FloatsPerBlock()));
      block = static_cast<int32_t>(blocks_.size() - 1);
    }
    s.blocks.push_back(block);
  }
  s.length = length;
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
  for (const Sequence& s : sequences_) blocks += static_cast<int64_t>(s.blocks.size());
  return blocks * FloatsPerBlock() * static_cast<int64_t>(sizeof(float));
}

}  // namespace edgereason
