#include "tensor/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace edgereason {
namespace {

std::vector<float> RandomValues(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> Dequantize(const WeightMatrix& w) {
  std::vector<float> out(w.rows * w.cols);
  for (int64_t r = 0; r < w.rows; ++r) DequantizeRow(w, r, out.data() + r * w.cols);
  return out;
}

constexpr int64_t kRows = 7, kCols = 256;

TEST(QuantizeTest, BytesAreExactPerFormat) {
  const auto v = RandomValues(kRows * kCols, 1);
  const int64_t elements = kRows * kCols, blocks = elements / 32;
  const std::pair<WeightFormat, int64_t> expected[] = {
      {WeightFormat::kF32, elements * 4},
      {WeightFormat::kBF16, elements * 2},
      {WeightFormat::kQ8_0, elements + blocks * 2},
      {WeightFormat::kQ4_0, elements / 2 + blocks * 2},
      {WeightFormat::kQ4_PC, elements / 2 + kRows * 4},
  };
  for (const auto& [format, bytes] : expected) {
    auto w = QuantizeWeights(v.data(), kRows, kCols, format);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->format, format);
    EXPECT_EQ(w->Bytes(), bytes) << WeightFormatName(format);
  }
}

TEST(QuantizeTest, F32AndBF16RoundTrip) {
  const auto v = RandomValues(kRows * kCols, 2);
  auto f32 = QuantizeWeights(v.data(), kRows, kCols, WeightFormat::kF32);
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(Dequantize(*f32), v);
  auto bf16 = QuantizeWeights(v.data(), kRows, kCols, WeightFormat::kBF16);
  ASSERT_TRUE(bf16.ok());
  const auto back = Dequantize(*bf16);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(back[i], BF16ToF32(F32ToBF16(v[i])));
}

// Q8_0: every element within half its block's (stored fp16) scale.
TEST(QuantizeTest, Q8_0ErrorWithinHalfAScale) {
  auto v = RandomValues(kRows * kCols, 3);
  std::fill(v.begin() + 64, v.begin() + 96, 0.0f);  // an all-zero block decodes to zeros
  auto w = QuantizeWeights(v.data(), kRows, kCols, WeightFormat::kQ8_0);
  ASSERT_TRUE(w.ok());
  const auto back = Dequantize(*w);
  for (size_t i = 0; i < v.size(); ++i) {
    const float scale = F16ToF32(w->block_scales()[i / 32]);
    EXPECT_NEAR(back[i], v[i], scale / 2) << i;
    EXPECT_LE(std::abs(w->q8()[i]), 127);
  }
  for (int i = 64; i < 96; ++i) EXPECT_EQ(back[i], 0.0f);
}

// Q4_0: within half a scale on the grid [-8, 7]·scale; the one side of a block
// that can reach +8·|scale| (the mirror of the extreme value) clamps to 7, an
// error of at most one scale.
TEST(QuantizeTest, Q4_0ErrorWithinHalfAScaleOnTheGrid) {
  const auto v = RandomValues(kRows * kCols, 4);
  auto w = QuantizeWeights(v.data(), kRows, kCols, WeightFormat::kQ4_0);
  ASSERT_TRUE(w.ok());
  const auto back = Dequantize(*w);
  for (size_t i = 0; i < v.size(); ++i) {
    const float scale = F16ToF32(w->block_scales()[i / 32]);
    const float position = v[i] / scale;  // in [-8, 8]
    const float bound = position > 7.5f ? std::fabs(scale) : std::fabs(scale) / 2;
    EXPECT_NEAR(back[i], v[i], bound * (1 + 1e-3f)) << i;
  }
}

// llama.cpp's Q4_0: the extreme value of each block maps exactly to -8·scale.
TEST(QuantizeTest, Q4_0ExtremeValueIsExactUpToTheFp16Scale) {
  std::vector<float> v(32, 0.01f);
  v[3] = -0.5f;
  auto w = QuantizeWeights(v.data(), 1, 32, WeightFormat::kQ4_0);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->block_scales()[0], F32ToF16(0.5f / 8));
  EXPECT_EQ(w->q4()[3] & 0x0f, 0);  // -8 + 8
  std::vector<float> back(32);
  DequantizeRow(*w, 0, back.data());
  EXPECT_FLOAT_EQ(back[3], -0.5f);
}

TEST(QuantizeTest, Q4_PCErrorWithinHalfTheRowScale) {
  const auto v = RandomValues(kRows * kCols, 5);
  auto w = QuantizeWeights(v.data(), kRows, kCols, WeightFormat::kQ4_PC);
  ASSERT_TRUE(w.ok());
  const auto back = Dequantize(*w);
  for (size_t i = 0; i < v.size(); ++i) {
    const float scale = w->row_scales()[i / kCols];
    EXPECT_NEAR(back[i], v[i], scale / 2 * (1 + 1e-6f)) << i;
  }
}

TEST(QuantizeTest, BlockFormatsRejectRaggedRows) {
  const auto v = RandomValues(3 * 40, 6);
  for (WeightFormat f : {WeightFormat::kQ8_0, WeightFormat::kQ4_0, WeightFormat::kQ4_PC}) {
    auto w = QuantizeWeights(v.data(), 3, 40, f);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(w.status().message().find("cols 40 is not a multiple of 32"), std::string::npos)
        << w.status().message();
  }
  EXPECT_TRUE(QuantizeWeights(v.data(), 3, 40, WeightFormat::kBF16).ok());
}

TEST(QuantizeTest, RejectsNonFiniteValues) {
  auto v = RandomValues(64, 7);
  v[37] = std::numeric_limits<float>::infinity();
  auto w = QuantizeWeights(v.data(), 2, 32, WeightFormat::kQ8_0);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("[1, 5]"), std::string::npos) << w.status().message();
}

TEST(WeightFormatTest, NamesRoundTrip) {
  for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kBF16, WeightFormat::kQ8_0,
                         WeightFormat::kQ4_0, WeightFormat::kQ4_PC}) {
    EXPECT_EQ(WeightFormatFromName(WeightFormatName(f)), f);
  }
  EXPECT_FALSE(WeightFormatFromName("q5_k").has_value());
}

}  // namespace
}  // namespace edgereason
