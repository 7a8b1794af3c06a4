#include "tensor/weight_panels.h"

#include <cassert>
#include <cstring>
#include <new>

namespace edgereason {
namespace {

// One 64-byte aligned allocation (a panel vector never straddles two cache
// lines): `value_bytes` of quantized values followed by `scale_bytes`.
struct Buffer {
  std::shared_ptr<uint8_t> bytes;
  uint8_t* values = nullptr;
  uint8_t* scales = nullptr;
};

Buffer AllocateAligned(int64_t value_bytes, int64_t scale_bytes) {
  constexpr std::align_val_t kAlign{64};
  const int64_t padded = (value_bytes + 63) / 64 * 64;
  auto* raw = new (kAlign) uint8_t[static_cast<size_t>(padded + scale_bytes)];
  Buffer b;
  b.bytes = std::shared_ptr<uint8_t>(raw, [](uint8_t* p) { operator delete[](p, kAlign); });
  b.values = raw;
  b.scales = raw + padded;
  return b;
}

int64_t ValueBytes(const WeightMatrix& w) { return w.rows * w.blocks_per_row() * BlockBytes(w.format); }

bool HasBlockScales(WeightFormat f) { return f == WeightFormat::kQ8_0 || f == WeightFormat::kQ4_0; }

// The same matrix description over new storage, in `layout`.
WeightMatrix Rehome(const WeightMatrix& w, const Buffer& b, WeightLayout layout) {
  WeightMatrix m = w;
  m.layout = layout;
  m.data = b.values;
  m.scales = b.scales;
  m.storage = std::shared_ptr<const void>(b.bytes, b.bytes.get());
  return m;
}

}  // namespace

bool CanPackPanels(const WeightMatrix& w) {
  return IsQuantized(w.format) && w.layout == WeightLayout::kRows && w.rows > 0 &&
         w.rows % kPanelRows == 0 && w.cols > 0 && w.cols % kQuantBlock == 0;
}

WeightMatrix PackPanels(const WeightMatrix& w) {
  assert(CanPackPanels(w));
  const int64_t nb = w.blocks_per_row();
  const int64_t block_bytes = BlockBytes(w.format);
  const Buffer b = AllocateAligned(ValueBytes(w), w.ScaleBytes());
  const auto* src = static_cast<const uint8_t*>(w.data);
  for (int64_t row = 0; row < w.rows; ++row) {
    for (int64_t block = 0; block < nb; ++block) {
      const uint8_t* from = src + (row * nb + block) * block_bytes;
      for (int64_t quad = 0; quad < block_bytes; quad += 4) {
        std::memcpy(b.values + PanelByteOffset(row, block, quad, nb, block_bytes), from + quad, 4);
      }
    }
  }
  if (HasBlockScales(w.format)) {
    auto* scales = reinterpret_cast<uint16_t*>(b.scales);
    for (int64_t row = 0; row < w.rows; ++row) {
      for (int64_t block = 0; block < nb; ++block) {
        scales[PanelScaleIndex(row, block, nb)] = w.block_scales()[row * nb + block];
      }
    }
  } else {
    std::memcpy(b.scales, w.scales, static_cast<size_t>(w.ScaleBytes()));
  }
  return Rehome(w, b, WeightLayout::kPanels);
}

WeightMatrix UnpackPanels(const WeightMatrix& w) {
  if (w.layout == WeightLayout::kRows) return w;
  const int64_t nb = w.blocks_per_row();
  const int64_t block_bytes = BlockBytes(w.format);
  const Buffer b = AllocateAligned(ValueBytes(w), w.ScaleBytes());
  auto* scales = reinterpret_cast<uint16_t*>(b.scales);
  for (int64_t row = 0; row < w.rows; ++row) {
    for (int64_t block = 0; block < nb; ++block) {
      ReadBlock(w, row, block, b.values + (row * nb + block) * block_bytes,
                HasBlockScales(w.format) ? &scales[row * nb + block] : nullptr);
    }
  }
  if (!HasBlockScales(w.format)) std::memcpy(b.scales, w.scales, static_cast<size_t>(w.ScaleBytes()));
  return Rehome(w, b, WeightLayout::kRows);
}

void ReadBlock(const WeightMatrix& w, int64_t row, int64_t block, uint8_t* bytes,
               uint16_t* scale) {
  const int64_t nb = w.blocks_per_row();
  const int64_t block_bytes = BlockBytes(w.format);
  const auto* src = static_cast<const uint8_t*>(w.data);
  if (w.layout == WeightLayout::kRows) {
    std::memcpy(bytes, src + (row * nb + block) * block_bytes, static_cast<size_t>(block_bytes));
    if (scale != nullptr) *scale = HasBlockScales(w.format) ? w.block_scales()[row * nb + block] : 0;
    return;
  }
  for (int64_t quad = 0; quad < block_bytes; quad += 4) {
    std::memcpy(bytes + quad, src + PanelByteOffset(row, block, quad, nb, block_bytes), 4);
  }
  if (scale != nullptr) {
    *scale = HasBlockScales(w.format) ? w.block_scales()[PanelScaleIndex(row, block, nb)] : 0;
  }
}

}  // namespace edgereason
