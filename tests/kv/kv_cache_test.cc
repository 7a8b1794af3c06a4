#include "kv/kv_cache.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgereason {
namespace {

constexpr KvCacheShape kShape{2, 2, 4};  // 2 layers, kv_dim 8

void Fill(KvCache& kv, int32_t seq, int64_t from, int64_t to, float base) {
  for (int64_t p = from; p < to; ++p) {
    for (int64_t l = 0; l < kShape.num_layers; ++l) {
      const std::vector<float> key(kShape.kv_dim(), base + p), value(kShape.kv_dim(), -(base + p));
      kv.Write(seq, l, p, key.data(), value.data());
    }
  }
}

// Element d of the key (or value) of position p in layer l, read back.
float Read(const KvCache& kv, int32_t seq, int64_t l, int64_t p, int64_t d, bool key = true) {
  std::vector<float> keys(kShape.kv_dim()), values(kShape.kv_dim());
  kv.Gather(seq, l, p, p + 1, keys.data(), values.data());
  return key ? keys[d] : values[d];
}

TEST(KvCacheTest, ForkSharesBlocksAndCopiesOnlyThePartlyFilledOne) {
  KvCache kv(kShape, 1024, /*block_size=*/4);
  const int32_t parent = kv.AddSequence();
  ASSERT_TRUE(kv.Resize(parent, 10).ok());  // blocks: [0-3] [4-7] [8-9 + room]
  Fill(kv, parent, 0, 10, 100);
  const int64_t one_prompt = kv.BytesInUse();
  EXPECT_EQ(one_prompt, 3 * kv.BytesPerBlock());

  auto children = kv.Fork(parent, 8);
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(kv.BytesInUse(), one_prompt) << "forking copies nothing";
  for (int32_t c : *children) EXPECT_EQ(kv.Length(c), 10);

  // Each child appends one token: only the shared last block is copied.
  for (size_t i = 0; i < children->size(); ++i) {
    const int32_t c = (*children)[i];
    ASSERT_TRUE(kv.Resize(c, 11).ok());
    Fill(kv, c, 10, 11, 1000.0f * (i + 1));
  }
  EXPECT_EQ(kv.BytesInUse(), one_prompt + 8 * kv.BytesPerBlock());
  // The prefix is intact and shared, each child's own token distinct.
  for (size_t i = 0; i < children->size(); ++i) {
    const int32_t c = (*children)[i];
    EXPECT_EQ(Read(kv, c, 1, 9, 0), 109.0f);
    EXPECT_EQ(kv.BlockData(c, 0, 0, 0), kv.BlockData(parent, 0, 0, 0)) << "full blocks stay shared";
    EXPECT_NE(kv.BlockData(c, 0, 2, 0), kv.BlockData(parent, 0, 2, 0)) << "the written one is copied";
    EXPECT_EQ(Read(kv, c, 0, 10, 7), 1000.0f * (i + 1) + 10);
  }
  EXPECT_EQ(kv.Length(parent), 10);

  // Freeing children returns their own blocks; the parent keeps its data.
  for (int32_t c : *children) ASSERT_TRUE(kv.FreeSequence(c).ok());
  EXPECT_EQ(kv.BytesInUse(), one_prompt);
  EXPECT_EQ(Read(kv, parent, 1, 9, 3, /*key=*/false), -109.0f);
}

TEST(KvCacheTest, TruncateReleasesBlocksAndCapacityIsEnforced) {
  KvCache kv(kShape, 16, /*block_size=*/4);
  const int32_t a = kv.AddSequence();
  ASSERT_TRUE(kv.Resize(a, 16).ok());
  const int32_t b = kv.AddSequence();
  auto full = kv.Resize(b, 1);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.message().find("full"), std::string::npos);
  ASSERT_TRUE(kv.Resize(a, 5).ok());
  EXPECT_EQ(kv.BytesInUse(), 2 * kv.BytesPerBlock());
  EXPECT_TRUE(kv.Resize(b, 8).ok());
  EXPECT_FALSE(kv.FreeSequence(99).ok());
  EXPECT_FALSE(kv.Fork(99, 2).ok());
}

TEST(KvCacheTest, ReducedPrecisionStorageRoundTripsWithinItsStep) {
  const KvCacheShape shape{2, 3, 8};  // kv_dim 24
  std::vector<float> key(shape.kv_dim()), value(shape.kv_dim());
  for (int64_t d = 0; d < shape.kv_dim(); ++d) {
    key[d] = std::sin(0.7f * d) * (1 + d / 8);  // heads of different magnitude
    value[d] = std::cos(0.3f * d) * 0.01f;
  }
  struct Case {
    KvDType dtype;
    float relative_step;  // error bound relative to the head's max |x|
    int64_t bytes_per_value;
  };
  for (const Case& c : {Case{KvDType::kF32, 0.0f, 4}, Case{KvDType::kF16, 1.0f / 2048, 2},
                        Case{KvDType::kBF16, 1.0f / 256, 2}, Case{KvDType::kInt8, 0.5f / 127, 1}}) {
    SCOPED_TRACE(KvDTypeName(c.dtype));
    KvCache kv(shape, 64, 4, c.dtype);
    const int32_t seq = kv.AddSequence();
    ASSERT_TRUE(kv.Resize(seq, 6).ok());
    for (int64_t p = 0; p < 6; ++p) kv.Write(seq, 1, p, key.data(), value.data());
    auto children = kv.Fork(seq, 1);
    ASSERT_TRUE(children.ok());
    const int32_t child = children->front();
    ASSERT_TRUE(kv.Resize(child, 7).ok());  // copy-on-write of the partial block, scales included
    std::vector<float> keys(6 * shape.kv_dim()), values(keys.size());
    kv.Gather(child, 1, 0, 6, keys.data(), values.data());
    for (int64_t h = 0; h < shape.num_kv_heads; ++h) {
      float key_max = 0, value_max = 0;
      for (int64_t d = 0; d < shape.head_dim; ++d) {
        key_max = std::max(key_max, std::fabs(key[h * shape.head_dim + d]));
        value_max = std::max(value_max, std::fabs(value[h * shape.head_dim + d]));
      }
      for (int64_t p = 0; p < 6; ++p) {
        for (int64_t d = 0; d < shape.head_dim; ++d) {
          const int64_t i = h * shape.head_dim + d;
          EXPECT_LE(std::fabs(keys[p * shape.kv_dim() + i] - key[i]), c.relative_step * key_max + 1e-9f);
          EXPECT_LE(std::fabs(values[p * shape.kv_dim() + i] - value[i]), c.relative_step * value_max + 1e-9f);
        }
      }
    }
    const int64_t values_per_block = 2 * 2 * 4 * shape.kv_dim();
    const int64_t scales = c.dtype == KvDType::kInt8 ? 2 * 2 * 4 * shape.num_kv_heads * 4 : 0;
    EXPECT_EQ(kv.BytesPerBlock(), values_per_block * c.bytes_per_value + scales);
  }
  EXPECT_EQ(KvDTypeFromName("int8"), KvDType::kInt8);
  EXPECT_FALSE(KvDTypeFromName("int4").has_value());
}

}  // namespace
}  // namespace edgereason
