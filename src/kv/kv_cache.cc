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

void KvCache::RaiseCapacity(int64_t max_tokens) {
  max_blocks_ = std::max(max_blocks_, (max_tokens + block_size_ - 1) / block_size_);
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

uint8_t* KvCache::Area(int32_t seq, int64_t layer, int64_t block, int which) const {
  auto* data = reinterpret_cast<uint8_t*>(blocks_[sequences_[seq].blocks[block]].get());
  return data + (layer * 2 + which) * block_size_ * shape_.kv_dim() * value_bytes_;
}

float* KvCache::AreaScales(int32_t seq, int64_t layer, int64_t block, int which) const {
  auto* data = reinterpret_cast<uint8_t*>(blocks_[sequences_[seq].blocks[block]].get());
  return reinterpret_cast<float*>(data + values_bytes_) +
         (layer * 2 + which) * block_size_ * shape_.num_kv_heads;
}

const void* KvCache::BlockData(int32_t seq, int64_t layer, int64_t block, int which) const {
  return Area(seq, layer, block, which);
}

const float* KvCache::BlockScales(int32_t seq, int64_t layer, int64_t block, int which) const {
  return AreaScales(seq, layer, block, which);
}

void KvCache::Store(const float* in, int64_t slot, uint8_t* area, float* scales) const {
  const int64_t hd = shape_.head_dim;
  for (int64_t h = 0; h < shape_.num_kv_heads; ++h) {
    const float* x = in + h * hd;
    uint8_t* row = area + (h * block_size_ + slot) * hd * value_bytes_;
    switch (dtype_) {
      case KvDType::kF32:
        std::memcpy(row, x, hd * 4);
        break;
      case KvDType::kF16:
      case KvDType::kBF16: {
        auto* out = reinterpret_cast<uint16_t*>(row);
        for (int64_t d = 0; d < hd; ++d) out[d] = dtype_ == KvDType::kF16 ? F32ToF16(x[d]) : F32ToBF16(x[d]);
        break;
      }
      case KvDType::kInt8: {
        // Symmetric per head: scale = max|x| / 127.
        auto* out = reinterpret_cast<int8_t*>(row);
        float max_abs = 0;
        for (int64_t d = 0; d < hd; ++d) max_abs = std::max(max_abs, std::fabs(x[d]));
        const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
        scales[slot * shape_.num_kv_heads + h] = scale;
        for (int64_t d = 0; d < hd; ++d) out[d] = static_cast<int8_t>(std::lround(x[d] / scale));
        break;
      }
    }
  }
}

void KvCache::Load(const uint8_t* area, const float* scales, int64_t slot, float* out) const {
  const int64_t hd = shape_.head_dim;
  for (int64_t h = 0; h < shape_.num_kv_heads; ++h) {
    float* y = out + h * hd;
    const uint8_t* row = area + (h * block_size_ + slot) * hd * value_bytes_;
    switch (dtype_) {
      case KvDType::kF32:
        std::memcpy(y, row, hd * 4);
        break;
      case KvDType::kF16:
      case KvDType::kBF16: {
        const auto* in = reinterpret_cast<const uint16_t*>(row);
        for (int64_t d = 0; d < hd; ++d) y[d] = dtype_ == KvDType::kF16 ? F16ToF32(in[d]) : BF16ToF32(in[d]);
        break;
      }
      case KvDType::kInt8: {
        const auto* in = reinterpret_cast<const int8_t*>(row);
        const float scale = scales[slot * shape_.num_kv_heads + h];
        for (int64_t d = 0; d < hd; ++d) y[d] = static_cast<float>(in[d]) * scale;
        break;
      }
    }
  }
}

void KvCache::Write(int32_t seq, int64_t layer, int64_t pos, const float* key, const float* value) {
  const int64_t block = pos / block_size_, slot = pos % block_size_;
  Store(key, slot, Area(seq, layer, block, 0), AreaScales(seq, layer, block, 0));
  Store(value, slot, Area(seq, layer, block, 1), AreaScales(seq, layer, block, 1));
}

void KvCache::Gather(int32_t seq, int64_t layer, int64_t begin, int64_t end, float* keys,
                     float* values) const {
  const int64_t n = shape_.kv_dim();
  for (int64_t p = begin; p < end; ++p) {
    const int64_t block = p / block_size_, slot = p % block_size_;
    Load(Area(seq, layer, block, 0), AreaScales(seq, layer, block, 0), slot, keys + (p - begin) * n);
    Load(Area(seq, layer, block, 1), AreaScales(seq, layer, block, 1), slot, values + (p - begin) * n);
  }
}

int64_t KvCache::BytesInUse() const {
  int64_t blocks = 0;
  for (int32_t refs : block_refs_) blocks += refs > 0 ? 1 : 0;
  return blocks * BytesPerBlock();
}

}  // namespace edgereason
