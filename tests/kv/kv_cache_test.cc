#include "kv/kv_cache.h"

#include <gtest/gtest.h>

namespace edgereason {
namespace {

constexpr KvCacheShape kShape{2, 2, 4};  // 2 layers, kv_dim 8

void Fill(KvCache& kv, int32_t seq, int64_t from, int64_t to, float base) {
  for (int64_t p = from; p < to; ++p) {
    for (int64_t l = 0; l < kShape.num_layers; ++l) {
      for (int64_t d = 0; d < kShape.kv_dim(); ++d) {
        kv.Key(seq, l, p)[d] = base + p;
        kv.Value(seq, l, p)[d] = -(base + p);
      }
    }
  }
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
    EXPECT_EQ(kv.Key(c, 1, 9)[0], 109.0f);
    EXPECT_EQ(kv.Key(c, 0, 3), kv.Key(parent, 0, 3)) << "full blocks stay shared";
    EXPECT_EQ(kv.Key(c, 0, 10)[0], 1000.0f * (i + 1) + 10);
  }
  EXPECT_EQ(kv.Length(parent), 10);

  // Freeing children returns their own blocks; the parent keeps its data.
  for (int32_t c : *children) ASSERT_TRUE(kv.FreeSequence(c).ok());
  EXPECT_EQ(kv.BytesInUse(), one_prompt);
  EXPECT_EQ(kv.Value(parent, 1, 9)[3], -109.0f);
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

}  // namespace
}  // namespace edgereason
