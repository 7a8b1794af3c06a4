// RmsNorm, SiluMul and AttendOneQuery: the Highway kernels against their
// scalar references on every compiled target.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/norm.h"
#include "simd_test_util.h"

namespace edgereason {
namespace {

std::vector<float> RandomValues(int64_t count, uint32_t seed, float stddev = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// Tolerance: f32 sum of squares in vector lanes vs double; 1e-6 relative.
TEST(RmsNormTest, SimdMatchesReferenceOnEveryTarget) {
  for (int64_t dim : {1, 7, 16, 64, 100, 896}) {
    const int64_t n = 3;
    const auto x = RandomValues(n * dim, 1), weight = RandomValues(dim, 2);
    std::vector<float> expected(n * dim), y(n * dim);
    RmsNormReference(x.data(), weight.data(), n, dim, 1e-6f, expected.data());
    test::ForEachSimdTarget([&] {
      RmsNorm(x.data(), weight.data(), n, dim, 1e-6f, y.data());
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_NEAR(y[i], expected[i], 1e-6f * std::fabs(expected[i]) + 1e-7f) << dim;
      }
      std::vector<float> in_place = x;
      RmsNorm(in_place.data(), weight.data(), n, dim, 1e-6f, in_place.data());
      EXPECT_EQ(in_place, y);
    });
  }
}

// Tolerance: Highway's vector exp is within a few ulp; 1e-6 relative to |g·up|.
TEST(SiluMulTest, SimdMatchesReferenceOnEveryTarget) {
  for (int64_t n : {1, 5, 16, 33, 4864}) {
    auto gate = RandomValues(n, 3, 4.0f);
    const auto up = RandomValues(n, 4);
    if (n > 4) gate[1] = -100.0f, gate[2] = 100.0f, gate[3] = 0.0f;
    std::vector<float> expected(n), out(n);
    SiluMulReference(gate.data(), up.data(), n, expected.data());
    test::ForEachSimdTarget([&] {
      SiluMul(gate.data(), up.data(), n, out.data());
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_NEAR(out[i], expected[i], 1e-6f * std::fabs(gate[i] * up[i]) + 1e-30f)
            << "gate " << gate[i];
      }
    });
  }
}

struct Cache {
  std::vector<std::vector<float>> keys, values;  // blocks [block_size, kv_dim]
  std::vector<const float*> key_ptrs, value_ptrs;
};

Cache RandomCache(int64_t length, int64_t block_size, int64_t kv_dim, uint32_t seed) {
  Cache c;
  for (int64_t b = 0; b * block_size < length; ++b) {
    c.keys.push_back(RandomValues(block_size * kv_dim, seed + 2 * b));
    c.values.push_back(RandomValues(block_size * kv_dim, seed + 2 * b + 1));
  }
  for (auto& k : c.keys) c.key_ptrs.push_back(k.data());
  for (auto& v : c.values) c.value_ptrs.push_back(v.data());
  return c;
}

// Tolerance: outputs are convex combinations of N(0, 1) values; the online
// softmax and the two-pass one differ by f32 rounding: 2e-5 absolute.
TEST(AttentionTest, TiledOnlineSoftmaxMatchesReferenceOnEveryTarget) {
  // Groups of 7 (Qwen2.5-0.5B), 1, 3 and 18 (split into kernel groups of 8).
  const AttentionShape shapes[] = {{14, 2, 64}, {4, 4, 8}, {6, 2, 20}, {18, 1, 16}};
  for (const AttentionShape& shape : shapes) {
    for (int64_t length : {1, 2, 63, 64, 65, 300, 4100}) {
      SCOPED_TRACE("heads=" + std::to_string(shape.num_heads) + " hd=" +
                   std::to_string(shape.head_dim) + " length=" + std::to_string(length));
      const int64_t kv_dim = shape.num_kv_heads * shape.head_dim, block = 16;
      Cache cache = RandomCache(length, block, kv_dim, 10);
      const KvSpan span{cache.key_ptrs.data(), cache.value_ptrs.data(), block, length};
      // Larger queries sharpen the softmax so the running max moves between tiles.
      const auto q = RandomValues(shape.num_heads * shape.head_dim, 5, 3.0f);
      std::vector<float> scores(length), expected(shape.num_heads * shape.head_dim),
          out(expected.size());
      AttendOneQueryReference(q.data(), span, shape, expected.data(), scores.data());
      test::ForEachSimdTarget([&] {
        AttendOneQuery(q.data(), span, shape, out.data(), scores.data());
        for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected[i], 2e-5f) << i;
      });
    }
  }
}

// Splitting one query's heads by KV head (how the model spreads a decode
// step over threads) computes exactly the same numbers as the whole call.
TEST(AttentionTest, KvHeadRangesComposeToTheWholeCall) {
  const AttentionShape whole{14, 2, 64};
  const int64_t length = 130, block = 16, kv_dim = whole.num_kv_heads * whole.head_dim;
  Cache cache = RandomCache(length, block, kv_dim, 3);
  const KvSpan span{cache.key_ptrs.data(), cache.value_ptrs.data(), block, length};
  const auto q = RandomValues(whole.num_heads * whole.head_dim, 8, 2.0f);
  std::vector<float> scores(length), expected(q.size()), out(q.size(), -1.0f), ref(q.size(), -1.0f);
  test::ForEachSimdTarget([&] {
    AttendOneQuery(q.data(), span, whole, expected.data(), scores.data());
    for (int64_t j = 0; j < whole.num_kv_heads; ++j) {
      AttentionShape part = whole;
      part.kv_head_begin = j;
      part.kv_head_end = j + 1;
      AttendOneQuery(q.data(), span, part, out.data(), scores.data());
      AttendOneQueryReference(q.data(), span, part, ref.data(), scores.data());
    }
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_EQ(out[i], expected[i]) << i;
      ASSERT_NEAR(ref[i], expected[i], 2e-5f) << i;
    }
  });
}

}  // namespace
}  // namespace edgereason
