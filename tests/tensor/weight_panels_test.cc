// The kPanels layout: an exact permutation of a kRows matrix's bytes and
// scales, placed where tensor/weight_panels.h says, read back identically by
// DequantizeRow and ReadBlock, and undone by UnpackPanels.
#include "tensor/weight_panels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "tensor/quantize.h"

namespace edgereason {
namespace {

WeightMatrix RandomMatrix(int64_t rows, int64_t cols, WeightFormat format, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> values(rows * cols);
  for (float& v : values) v = dist(rng);
  return QuantizeWeights(values.data(), rows, cols, format).value();
}

constexpr WeightFormat kQuantized[] = {WeightFormat::kQ8_0, WeightFormat::kQ4_0,
                                       WeightFormat::kQ4_PC};

TEST(WeightPanelsTest, OnlyQuantizedMatricesOfWholePanelsPack) {
  EXPECT_TRUE(CanPackPanels(RandomMatrix(32, 64, WeightFormat::kQ4_0, 1)));
  EXPECT_FALSE(CanPackPanels(RandomMatrix(24, 64, WeightFormat::kQ4_0, 1)));  // 1.5 panels
  EXPECT_FALSE(CanPackPanels(RandomMatrix(32, 64, WeightFormat::kBF16, 1)));
  EXPECT_FALSE(CanPackPanels(PackPanels(RandomMatrix(16, 32, WeightFormat::kQ8_0, 1))));
}

// Byte j of block b of row r lands at the documented offset, computed here
// from the layout's description, not from PanelByteOffset.
TEST(WeightPanelsTest, BytesAndScalesLandWhereTheLayoutSays) {
  for (WeightFormat format : kQuantized) {
    SCOPED_TRACE(std::string(WeightFormatName(format)));
    const int64_t rows = 48, cols = 96, nb = cols / kQuantBlock;
    const int64_t block_bytes = format == WeightFormat::kQ8_0 ? 32 : 16;
    const WeightMatrix w = RandomMatrix(rows, cols, format, 2);
    const WeightMatrix p = PackPanels(w);
    EXPECT_EQ(p.layout, WeightLayout::kPanels);
    EXPECT_EQ(p.Bytes(), w.Bytes());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.data) % 64, 0u);
    const auto* src = static_cast<const uint8_t*>(w.data);
    const auto* dst = static_cast<const uint8_t*>(p.data);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t panel = r / 16, lane = r % 16;
      for (int64_t b = 0; b < nb; ++b) {
        for (int64_t j = 0; j < block_bytes; ++j) {
          const int64_t vector = (panel * nb + b) * (block_bytes / 4) + j / 4;
          ASSERT_EQ(dst[vector * 64 + lane * 4 + j % 4], src[(r * nb + b) * block_bytes + j])
              << "row " << r << " block " << b << " byte " << j;
        }
        if (format != WeightFormat::kQ4_PC) {
          ASSERT_EQ(p.block_scales()[(panel * nb + b) * 16 + lane], w.block_scales()[r * nb + b]);
        }
      }
      if (format == WeightFormat::kQ4_PC) {
        ASSERT_EQ(p.row_scales()[r], w.row_scales()[r]);
      }
    }
  }
}

TEST(WeightPanelsTest, RowsDecodeAndUnpackIdentically) {
  for (WeightFormat format : kQuantized) {
    SCOPED_TRACE(std::string(WeightFormatName(format)));
    const int64_t rows = 32, cols = 160;
    const WeightMatrix w = RandomMatrix(rows, cols, format, 3);
    const WeightMatrix p = PackPanels(w);
    std::vector<float> a(cols), b(cols);
    for (int64_t r = 0; r < rows; ++r) {
      DequantizeRow(w, r, a.data());
      DequantizeRow(p, r, b.data());
      ASSERT_EQ(a, b) << "row " << r;
    }
    const WeightMatrix u = UnpackPanels(p);
    EXPECT_EQ(u.layout, WeightLayout::kRows);
    EXPECT_EQ(std::memcmp(u.data, w.data, static_cast<size_t>(w.Bytes() - w.ScaleBytes())), 0);
    EXPECT_EQ(std::memcmp(u.scales, w.scales, static_cast<size_t>(w.ScaleBytes())), 0);
  }
}

}  // namespace
}  // namespace edgereason
