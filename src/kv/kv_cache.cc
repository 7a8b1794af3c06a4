#include "kv/kv_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/dtype.h"
#include <string>

namespace edgereason {

const char* KvDTypeName(KvDType dtype) {
  switch (dtype) {
    case KvDType::kF32: return "f32";
    case KvDType::kF16: return "f16";
    case KvDType::kBF16: return "bf16";
    case KvDType::kInt8: return "int8";
  }
  return "?";
}

std::optional<KvDType> KvDTypeFromName(std::string_view name) {
  for (KvDType d : {KvDType::kF32, KvDType::kF16, KvDType::kBF16, KvDType::kInt8}) {
    if (name == KvDTypeName(d)) return d;
  }
  return std::nullopt;
}

KvCache::KvCache(KvCacheShape shape, int64_t max_tokens, int64_t block_size, KvDType dtype)
    : shape_(shape),
      block_size_(block_size),
      max_blocks_((max_tokens + block_size - 1) / block_size),
      dtype_(dtype),
      value_bytes_(dtype == KvDType::kF32 ? 4 : dtype == KvDType::kInt8 ? 1 : 2) {
  const int64_t slots = shape_.num_layers * 2 * block_size_;
  values_bytes_ = (slots * shape_.kv_dim() * value_bytes_ + 3) / 4 * 4;
  const int64_t scale_bytes = dtype_ == KvDType::kInt8 ? slots * shape_.num_kv_heads * 4 : 0;
  bytes_per_block_ = values_bytes_ + scale_bytes;
}

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
    blocks_.push_back(std::make_unique<float[]>(bytes_per_block_ / 4));
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
      std::copy_n(blocks_[shared].get(), bytes_per_block_ / 4, blocks_[own].get());
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

uint8_t* KvCache::Slot(int32_t seq, int64_t layer, int64_t pos, int which) const {
  const Sequence& s = sequences_[seq];
  auto* block = reinterpret_cast<uint8_t*>(blocks_[s.blocks[pos / block_size_]].get());
  const int64_t slot = (layer * 2 + which) * block_size_ + pos % block_size_;
  return block + slot * shape_.kv_dim() * value_bytes_;
}

float* KvCache::Scales(int32_t seq, int64_t layer, int64_t pos, int which) const {
  const Sequence& s = sequences_[seq];
  auto* block = reinterpret_cast<uint8_t*>(blocks_[s.blocks[pos / block_size_]].get());
  const int64_t slot = (layer * 2 + which) * block_size_ + pos % block_size_;
  return reinterpret_cast<float*>(block + values_bytes_) + slot * shape_.num_kv_heads;
}

void KvCache::Store(const float* in, uint8_t* slot, float* scales) const {
  const int64_t n = shape_.kv_dim();
  switch (dtype_) {
    case KvDType::kF32:
      std::memcpy(slot, in, n * 4);
      return;
    case KvDType::kF16:
    case KvDType::kBF16: {
      auto* out = reinterpret_cast<uint16_t*>(slot);
      for (int64_t i = 0; i < n; ++i) out[i] = dtype_ == KvDType::kF16 ? F32ToF16(in[i]) : F32ToBF16(in[i]);
      return;
    }
    case KvDType::kInt8: {
      // Symmetric per head: scale = max|x| / 127.
      auto* out = reinterpret_cast<int8_t*>(slot);
      const int64_t hd = shape_.head_dim;
      for (int64_t h = 0; h < shape_.num_kv_heads; ++h) {
        float max_abs = 0;
        for (int64_t d = 0; d < hd; ++d) max_abs = std::max(max_abs, std::fabs(in[h * hd + d]));
        const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
        scales[h] = scale;
        for (int64_t d = 0; d < hd; ++d) {
          out[h * hd + d] = static_cast<int8_t>(std::lround(in[h * hd + d] / scale));
        }
      }
      return;
    }
  }
}

void KvCache::Load(const uint8_t* slot, const float* scales, float* out) const {
  const int64_t n = shape_.kv_dim();
  switch (dtype_) {
    case KvDType::kF32:
      std::memcpy(out, slot, n * 4);
      return;
    case KvDType::kF16:
    case KvDType::kBF16: {
      const auto* in = reinterpret_cast<const uint16_t*>(slot);
      for (int64_t i = 0; i < n; ++i) out[i] = dtype_ == KvDType::kF16 ? F16ToF32(in[i]) : BF16ToF32(in[i]);
      return;
    }
    case KvDType::kInt8: {
      const auto* in = reinterpret_cast<const int8_t*>(slot);
      const int64_t hd = shape_.head_dim;
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * scales[i / hd];
      return;
    }
  }
}

void KvCache::Write(int32_t seq, int64_t layer, int64_t pos, const float* key, const float* value) {
  Store(key, Slot(seq, layer, pos, 0), Scales(seq, layer, pos, 0));
  Store(value, Slot(seq, layer, pos, 1), Scales(seq, layer, pos, 1));
}

void KvCache::Gather(int32_t seq, int64_t layer, int64_t begin, int64_t end, float* keys,
                     float* values) const {
  const int64_t n = shape_.kv_dim();
  for (int64_t p = begin; p < end; ++p) {
    Load(Slot(seq, layer, p, 0), Scales(seq, layer, p, 0), keys + (p - begin) * n);
    Load(Slot(seq, layer, p, 1), Scales(seq, layer, p, 1), values + (p - begin) * n);
  }
}

float* KvCache::Key(int32_t seq, int64_t layer, int64_t pos) {
  return reinterpret_cast<float*>(Slot(seq, layer, pos, 0));
}
float* KvCache::Value(int32_t seq, int64_t layer, int64_t pos) {
  return reinterpret_cast<float*>(Slot(seq, layer, pos, 1));
}
const float* KvCache::Key(int32_t seq, int64_t layer, int64_t pos) const {
  return reinterpret_cast<const float*>(Slot(seq, layer, pos, 0));
}
const float* KvCache::Value(int32_t seq, int64_t layer, int64_t pos) const {
  return reinterpret_cast<const float*>(Slot(seq, layer, pos, 1));
}

int64_t KvCache::BytesInUse() const {
  int64_t blocks = 0;
  for (int32_t refs : block_refs_) blocks += refs > 0 ? 1 : 0;
  return blocks * BytesPerBlock();
}

}  // namespace edgereason
