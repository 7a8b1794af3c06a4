#include "tensor/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace edgereason {
namespace {

TEST(DTypeTest, NamesRoundTrip) {
  for (auto d : {DType::kF32, DType::kF16, DType::kBF16, DType::kI64, DType::kBool, DType::kF4}) {
    auto back = DTypeFromName(DTypeName(d));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, d);
  }
  EXPECT_FALSE(DTypeFromName("F31").has_value());
  EXPECT_EQ(DTypeBits(DType::kBF16), 16);
  EXPECT_EQ(DTypeBits(DType::kF4), 4);
}

TEST(DTypeTest, HalfRoundTripsEveryFiniteValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint16_t half = static_cast<uint16_t>(h);
    const float f = F16ToF32(half);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(F16ToF32(F32ToF16(f))));
      continue;
    }
    EXPECT_EQ(F32ToF16(f), half) << "half bits " << h;
  }
}

TEST(DTypeTest, HalfRoundsToNearestEven) {
  EXPECT_EQ(F16ToF32(F32ToF16(1.0f + 1.0f / 4096)), 1.0f);               // below half ulp
  EXPECT_EQ(F16ToF32(F32ToF16(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024);  // tie -> even
  EXPECT_EQ(F32ToF16(65520.0f), 0x7c00);                                  // rounds to inf
  EXPECT_EQ(F32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.0f, -24));
}

TEST(DTypeTest, BFloat16) {
  EXPECT_EQ(BF16ToF32(F32ToBF16(1.5f)), 1.5f);
  EXPECT_EQ(F32ToBF16(1.0f + 1.0f / 256), F32ToBF16(1.0f));  // tie -> even (down)
  EXPECT_TRUE(std::isnan(BF16ToF32(F32ToBF16(std::numeric_limits<float>::quiet_NaN()))));
}

}  // namespace
}  // namespace edgereason
