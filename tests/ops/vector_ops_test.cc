// RmsNorm, SiluMul, the softmax pieces and AttendOneQuery: the Highway kernels
// against their scalar references on every compiled target.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/norm.h"
#include "ops/softmax.h"
#include "tensor/dtype.h"
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

// Tolerance: x - max rounds to f32 first (relative error |x - max|·2^-24 after
// the exp), then the exp is within a few ulp; the sum as LogSumExp's.
TEST(SoftmaxTest, MaxValueAndExpShiftedSumMatchReferenceOnEveryTarget) {
  for (int64_t n : {1, 7, 16, 33, 4097, 151936}) {
    auto x = RandomValues(n, 6, 3.0f);
    if (n > 4) x[2] = -INFINITY;
    const float max = *std::max_element(x.begin(), x.end());
    std::vector<float> expected(n), out(n);
    const double expected_sum = ExpShiftedSumReference(x.data(), n, max, expected.data());
    test::ForEachSimdTarget([&] {
      ASSERT_EQ(MaxValue(x.data(), n), max) << n;
      const double sum = ExpShiftedSum(x.data(), n, max, out.data());
      ASSERT_NEAR(sum, expected_sum, 4e-6 * expected_sum) << n;
      EXPECT_EQ(ExpShiftedSum(x.data(), n, max, nullptr), sum) << n;
      for (int64_t i = 0; i < n; ++i) {
        if (x[i] == -INFINITY) {
          ASSERT_EQ(out[i], 0.0f);
          continue;
        }
        const double tolerance = expected[i] * (3e-7 + 6e-8 * std::fabs(double(x[i]) - max));
        ASSERT_NEAR(out[i], expected[i], tolerance) << i;
      }
    });
  }
}

// Tolerance: Highway's exp is within a few ulp and the f32 lane sums run over
// blocks of 512; 4e-6 absolute in log space (relative on the sum), at sizes up
// to Qwen2's vocabulary, logits offset by 1000 and -inf entries.
TEST(LogSumExpTest, SimdMatchesReferenceOnEveryTarget) {
  for (int64_t n : {1, 7, 16, 33, 4097, 151936}) {
    for (float offset : {0.0f, 1000.0f}) {
      auto x = RandomValues(n, 5, 3.0f);
      for (float& v : x) v += offset;
      if (n > 4) x[1] = -INFINITY, x[3] = offset + 25.0f;  // one -inf, one dominant logit
      const double expected = LogSumExpReference(x.data(), n);
      test::ForEachSimdTarget([&] {
        ASSERT_NEAR(LogSumExp(x.data(), n), expected, 4e-6)
            << n << " offset " << offset;
      });
    }
  }
  // exp(x - max) = 1 for each of n equal logits: log n + x exactly enough.
  const std::vector<float> flat(151936, -2.5f);
  test::ForEachSimdTarget([&] {
    EXPECT_NEAR(LogSumExp(flat.data(), 151936), -2.5 + std::log(151936.0), 4e-6);
    const std::vector<float> masked(9, -INFINITY);
    EXPECT_EQ(LogSumExp(masked.data(), 9), -INFINITY);
  });
}

// A cache of random N(0, 1) keys and values stored as `element`, in blocks of
// [block_size, kv_dim]; int8 rows carry one scale per (position, KV head).
struct Cache {
  std::vector<std::vector<uint8_t>> keys, values;
  std::vector<std::vector<float>> key_scales, value_scales;  // [block_size, kv_heads]
  std::vector<const void*> key_ptrs, value_ptrs;
  std::vector<const float*> key_scale_ptrs, value_scale_ptrs;
  KvElement element = KvElement::kF32;

  KvSpan Span(int64_t block_size, int64_t length) const {
    return KvSpan{key_ptrs.data(), value_ptrs.data(), block_size,           length,
                  element,         key_scale_ptrs.data(), value_scale_ptrs.data()};
  }
};

// One block [kv_heads][block_size][head_dim] of `in` stored as `element`;
// int8 scales are [block_size][kv_heads], one per head row.
void StoreBlock(const std::vector<float>& in, KvElement element, int64_t block_size,
                int64_t head_dim, std::vector<uint8_t>* out, std::vector<float>* scales) {
  const size_t n = in.size();
  switch (element) {
    case KvElement::kF32:
      out->resize(n * 4);
      std::memcpy(out->data(), in.data(), n * 4);
      return;
    case KvElement::kF16:
    case KvElement::kBF16: {
      out->resize(n * 2);
      auto* o = reinterpret_cast<uint16_t*>(out->data());
      for (size_t i = 0; i < n; ++i) o[i] = element == KvElement::kF16 ? F32ToF16(in[i]) : F32ToBF16(in[i]);
      return;
    }
    case KvElement::kInt8: {
      const int64_t rows = static_cast<int64_t>(n) / head_dim, kv_heads = rows / block_size;
      out->resize(n);
      scales->resize(rows);
      for (int64_t row = 0; row < rows; ++row) {  // row = head · block_size + slot
        const float* x = in.data() + row * head_dim;
        float max_abs = 0;
        for (int64_t d = 0; d < head_dim; ++d) max_abs = std::max(max_abs, std::fabs(x[d]));
        const float scale = max_abs / 127.0f;
        (*scales)[(row % block_size) * kv_heads + row / block_size] = scale;
        for (int64_t d = 0; d < head_dim; ++d) {
          (*out)[row * head_dim + d] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[d] / scale)));
        }
      }
      return;
    }
  }
}

Cache RandomCache(int64_t length, int64_t block_size, int64_t kv_dim, uint32_t seed,
                  KvElement element = KvElement::kF32, int64_t head_dim = 1) {
  Cache c;
  c.element = element;
  const int64_t blocks = (length + block_size - 1) / block_size;
  c.keys.resize(blocks), c.values.resize(blocks), c.key_scales.resize(blocks), c.value_scales.resize(blocks);
  for (int64_t b = 0; b < blocks; ++b) {
    StoreBlock(RandomValues(block_size * kv_dim, seed + 2 * b), element, block_size, head_dim, &c.keys[b], &c.key_scales[b]);
    StoreBlock(RandomValues(block_size * kv_dim, seed + 2 * b + 1), element, block_size, head_dim, &c.values[b],
               &c.value_scales[b]);
    c.key_ptrs.push_back(c.keys[b].data());
    c.value_ptrs.push_back(c.values[b].data());
    c.key_scale_ptrs.push_back(c.key_scales[b].data());
    c.value_scale_ptrs.push_back(c.value_scales[b].data());
  }
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
      const KvSpan span = cache.Span(block, length);
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
  const KvSpan span = cache.Span(block, length);
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

// Reduced-precision caches are read in place: the kernel widens f16, bf16
// and int8 (scale applied to the score and the softmax weight) and must
// equal the reference that dequantizes element by element. Tolerance as for
// f32: only the order of f32 rounding differs.
TEST(AttentionTest, StoredF16Bf16Int8CachesMatchReferenceOnEveryTarget) {
  const AttentionShape shapes[] = {{14, 2, 64}, {6, 2, 20}};
  for (KvElement element : {KvElement::kF16, KvElement::kBF16, KvElement::kInt8}) {
    for (const AttentionShape& shape : shapes) {
      for (int64_t length : {1, 65, 1000}) {
        SCOPED_TRACE("element=" + std::to_string(static_cast<int>(element)) +
                     " hd=" + std::to_string(shape.head_dim) + " length=" + std::to_string(length));
        const int64_t kv_dim = shape.num_kv_heads * shape.head_dim, block = 16;
        Cache cache = RandomCache(length, block, kv_dim, 21, element, shape.head_dim);
        const KvSpan span = cache.Span(block, length);
        const auto q = RandomValues(shape.num_heads * shape.head_dim, 6, 3.0f);
        std::vector<float> scores(length), expected(q.size()), out(q.size());
        AttendOneQueryReference(q.data(), span, shape, expected.data(), scores.data());
        test::ForEachSimdTarget([&] {
          AttendOneQuery(q.data(), span, shape, out.data(), scores.data());
          for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected[i], 2e-5f) << i;
        });
      }
    }
  }
}

}  // namespace
}  // namespace edgereason
