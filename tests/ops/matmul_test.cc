// MatMul's SIMD kernels against the scalar reference on every compiled
// target, for every weight format and the shapes that exercise row tiles,
// activation groups, chunking and column tails.
#include "ops/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/matmul_reference.h"
#include "ops/quantized_activations.h"
#include "simd_test_util.h"
#include "tensor/quantize.h"
#include "tensor/weight_panels.h"

namespace edgereason {
namespace {

std::vector<float> RandomValues(int64_t count, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// Σ |terms| of each output of the reference, the magnitude that bounds f32
// rounding differences between summation orders.
std::vector<float> AbsoluteReference(const std::vector<float>& x, int64_t n,
                                     const WeightMatrix& w) {
  std::vector<float> abs_x(x.size());
  for (size_t i = 0; i < x.size(); ++i) abs_x[i] = std::fabs(x[i]);
  std::vector<float> abs_w(w.rows * w.cols);
  for (int64_t r = 0; r < w.rows; ++r) {
    DequantizeRow(w, r, abs_w.data() + r * w.cols);
  }
  for (float& v : abs_w) v = std::fabs(v);
  WeightMatrix aw = WeightMatrix::FromF32(std::move(abs_w), w.rows, w.cols);
  std::vector<float> out(n * w.rows);
  MatMulReference(abs_x.data(), n, aw, nullptr, out.data());
  return out;
}

struct Shape {
  int64_t n, rows, cols;
};

constexpr WeightFormat kAllFormats[] = {WeightFormat::kF32, WeightFormat::kBF16,
                                        WeightFormat::kQ8_0, WeightFormat::kQ4_0,
                                        WeightFormat::kQ4_PC};

// Tolerance: the quantized paths' per-block int32 dot products are exact on
// every target, so only the f32 accumulation order differs; f32/bf16 differ
// only in summation order. Both are bounded by 1e-5 × Σ|w||x| (≈ 2⁻¹⁷,
// generous for ≤ 5000-term sums accumulated in 16+ independent lanes).
TEST(MatMulTest, SimdMatchesReferenceOnEveryTarget) {
  const Shape shapes[] = {{1, 1, 32},  {1, 5, 64},   {2, 7, 96},   {3, 9, 160},
                          {4, 16, 256}, {5, 13, 96},  {9, 33, 128}, {17, 8, 64},
                          {40, 12, 2048},
                          // n ≥ 16 takes the packed-panel GEMM on VNNI targets: panel
                          // pairs, a single panel, leftover rows, activation tails.
                          {16, 48, 160}, {19, 37, 96}, {21, 64, 2048}, {34, 80, 224}};
  ThreadPool pool(3);
  for (WeightFormat format : kAllFormats) {
    for (const Shape& s : shapes) {
      SCOPED_TRACE(std::string(WeightFormatName(format)) + " n=" + std::to_string(s.n) +
                   " rows=" + std::to_string(s.rows) + " cols=" + std::to_string(s.cols));
      const auto values = RandomValues(s.rows * s.cols, 1 + s.rows);
      const auto x = RandomValues(s.n * s.cols, 100 + s.n);
      const auto bias = RandomValues(s.rows, 7);
      auto w = QuantizeWeights(values.data(), s.rows, s.cols, format);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      std::vector<float> expected(s.n * s.rows);
      MatMulReference(x.data(), s.n, *w, bias.data(), expected.data());
      const auto magnitude = AbsoluteReference(x, s.n, *w);
      test::ForEachSimdTarget([&] {
        std::vector<float> y(s.n * s.rows, NAN);
        MatMul(x.data(), s.n, *w, bias.data(), y.data(), pool);
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_NEAR(y[i], expected[i], 1e-5f * (magnitude[i] + std::fabs(bias[i % s.rows])))
              << "output " << i;
        }
      });
    }
  }
}

// kPanels matrices (tensor/weight_panels.h) against the reference of their
// kRows original: the VNNI panel kernels where the target has them, the
// scalar fallback elsewhere. Shapes cover every tile the kernels choose (one
// activation row; 2, 3, 4; groups of 8 with every remainder; prefill sizes),
// one to several panels per thread, and rows of 1 to 152 blocks.
TEST(MatMulTest, PanelLayoutMatchesReferenceOnEveryTarget) {
  const Shape shapes[] = {{1, 16, 32},   {1, 128, 96},  {1, 48, 4864}, {2, 32, 64},
                          {3, 64, 160},  {4, 16, 896},  {5, 32, 128},  {7, 48, 96},
                          {8, 80, 224},  {9, 16, 64},   {13, 32, 32},  {16, 48, 160},
                          {23, 64, 288}, {40, 16, 2048}, {64, 96, 128}};
  ThreadPool pool(3);
  for (WeightFormat format : {WeightFormat::kQ8_0, WeightFormat::kQ4_0, WeightFormat::kQ4_PC}) {
    for (const Shape& s : shapes) {
      SCOPED_TRACE(std::string(WeightFormatName(format)) + " n=" + std::to_string(s.n) +
                   " rows=" + std::to_string(s.rows) + " cols=" + std::to_string(s.cols));
      const auto values = RandomValues(s.rows * s.cols, 3 + s.rows + s.cols);
      const auto x = RandomValues(s.n * s.cols, 200 + s.n);
      const auto bias = RandomValues(s.rows, 9);
      auto rows_layout = QuantizeWeights(values.data(), s.rows, s.cols, format);
      ASSERT_TRUE(rows_layout.ok()) << rows_layout.status().ToString();
      ASSERT_TRUE(CanPackPanels(*rows_layout));
      const WeightMatrix panels = PackPanels(*rows_layout);
      std::vector<float> expected(s.n * s.rows);
      MatMulReference(x.data(), s.n, *rows_layout, bias.data(), expected.data());
      const auto magnitude = AbsoluteReference(x, s.n, *rows_layout);
      test::ForEachSimdTarget([&] {
        for (const float* b : {static_cast<const float*>(nullptr), bias.data()}) {
          std::vector<float> y(s.n * s.rows, NAN);
          MatMul(x.data(), s.n, panels, b, y.data(), pool);
          for (size_t i = 0; i < y.size(); ++i) {
            const float bias_i = b != nullptr ? bias[i % s.rows] : 0.0f;
            ASSERT_NEAR(y[i], expected[i] - bias[i % s.rows] + bias_i,
                        1e-5f * (magnitude[i] + std::fabs(bias[i % s.rows])))
                << "output " << i << (b != nullptr ? " with bias" : " without bias");
          }
        }
      });
    }
  }
}

// f32 and bf16 rows whose length is not a multiple of any vector width.
TEST(MatMulTest, FloatFormatsHandleColumnTails) {
  ThreadPool pool(2);
  for (WeightFormat format : {WeightFormat::kF32, WeightFormat::kBF16}) {
    for (int64_t cols : {1, 3, 17, 33, 100}) {
      const int64_t n = 3, rows = 6;
      const auto values = RandomValues(rows * cols, 3);
      const auto x = RandomValues(n * cols, 4);
      auto w = QuantizeWeights(values.data(), rows, cols, format);
      ASSERT_TRUE(w.ok());
      std::vector<float> expected(n * rows), y(n * rows);
      MatMulReference(x.data(), n, *w, nullptr, expected.data());
      const auto magnitude = AbsoluteReference(x, n, *w);
      test::ForEachSimdTarget([&] {
        MatMul(x.data(), n, *w, nullptr, y.data(), pool);
        for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5f * magnitude[i]);
      });
    }
  }
}

// Against the f32 product of the dequantized weights, the quantized paths
// differ only by the activation rounding: |x − x̂| ≤ scale_x / 2 per element,
// so |error| ≤ Σ_c |ŵ_c| · scale_x(c) / 2 ≤ Σ|ŵ||x| / 254 per output.
TEST(MatMulTest, QuantizedProductsMatchDequantizedF32) {
  ThreadPool pool(2);
  const int64_t n = 5, rows = 24, cols = 512;
  const auto values = RandomValues(rows * cols, 11);
  const auto x = RandomValues(n * cols, 12);
  for (WeightFormat format : {WeightFormat::kQ8_0, WeightFormat::kQ4_0, WeightFormat::kQ4_PC}) {
    SCOPED_TRACE(std::string(WeightFormatName(format)));
    auto w = QuantizeWeights(values.data(), rows, cols, format);
    ASSERT_TRUE(w.ok());
    std::vector<float> dequantized(rows * cols);
    for (int64_t r = 0; r < rows; ++r) DequantizeRow(*w, r, dequantized.data() + r * cols);
    const WeightMatrix f32 = WeightMatrix::FromF32(dequantized, rows, cols);
    std::vector<float> expected(n * rows), y(n * rows);
    MatMulReference(x.data(), n, f32, nullptr, expected.data());
    const auto magnitude = AbsoluteReference(x, n, f32);
    MatMul(x.data(), n, *w, nullptr, y.data(), pool);
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(y[i], expected[i], magnitude[i] / 254.0f + 1e-5f * magnitude[i]) << i;
    }
  }
}

// A batch of products, some sharing an input (quantized once), of mixed
// formats and sizes (fewer rows than a thread's grain, panels and leftovers,
// decode and prefill row counts), gives each job exactly what MatMul alone
// gives it, with any number of threads.
TEST(MatMulTest, BatchEqualsOneMatMulPerJob) {
  for (const int64_t n : {1, 3, 20}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const int64_t cols = 256, wide = 512;
    const auto x = RandomValues(n * cols, 31), x_wide = RandomValues(n * wide, 32);
    struct Spec {
      int64_t rows, cols;
      WeightFormat format;
      bool wide_input, bias;
    };
    const Spec specs[] = {{40, cols, WeightFormat::kQ8_0, false, true},
                          {8, cols, WeightFormat::kQ8_0, false, false},
                          {37, cols, WeightFormat::kQ4_0, false, true},
                          {64, cols, WeightFormat::kF32, false, false},
                          {5, wide, WeightFormat::kQ4_PC, true, false},
                          {48, wide, WeightFormat::kBF16, true, true}};
    std::vector<WeightMatrix> weights;
    std::vector<std::vector<float>> biases;
    for (size_t k = 0; k < std::size(specs); ++k) {
      const auto values = RandomValues(specs[k].rows * specs[k].cols, 40 + k);
      weights.push_back(*QuantizeWeights(values.data(), specs[k].rows, specs[k].cols, specs[k].format));
      biases.push_back(RandomValues(specs[k].rows, 50 + k));
    }
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      std::vector<std::vector<float>> alone(std::size(specs)), batched(std::size(specs));
      std::vector<MatMulJob> jobs;
      for (size_t k = 0; k < std::size(specs); ++k) {
        const float* in = specs[k].wide_input ? x_wide.data() : x.data();
        const float* bias = specs[k].bias ? biases[k].data() : nullptr;
        alone[k].assign(n * specs[k].rows, NAN);
        batched[k].assign(n * specs[k].rows, NAN);
        MatMul(in, n, weights[k], bias, alone[k].data(), pool);
        jobs.push_back({in, n, &weights[k], bias, batched[k].data()});
      }
      MatMulBatch(jobs, pool);
      for (size_t k = 0; k < std::size(specs); ++k) EXPECT_EQ(batched[k], alone[k]) << "job " << k;
    }
  }
}

// Jobs that read an earlier job's output (`after`, as LoRA's B reads A's)
// run in the same pass and give exactly what two MatMul calls in turn give:
// for every format of the second product (quantized ones quantize their input
// only once it exists, kPanels included), any thread count, and passes small
// enough to run on one thread or large enough to be split.
TEST(MatMulTest, DependentJobsEqualMatMulsInTurn) {
  for (const int64_t n : {1, 4, 9}) {
    for (const int64_t rows : {32, 1024}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " rows=" + std::to_string(rows));
      const int64_t cols = 256, rank = 64;
      const auto x = RandomValues(n * cols, 61);
      const auto a_values = RandomValues(rank * cols, 62);
      const auto b_values = RandomValues(rows * rank, 63);
      const auto base_values = RandomValues(rows * cols, 64);
      const WeightMatrix a = *QuantizeWeights(a_values.data(), rank, cols, WeightFormat::kQ8_0);
      const WeightMatrix base = *QuantizeWeights(base_values.data(), rows, cols, WeightFormat::kQ4_0);
      for (WeightFormat b_format : {WeightFormat::kF32, WeightFormat::kBF16, WeightFormat::kQ8_0,
                                    WeightFormat::kQ4_0}) {
        SCOPED_TRACE(std::string(WeightFormatName(b_format)));
        const WeightMatrix b_rows = *QuantizeWeights(b_values.data(), rows, rank, b_format);
        const WeightMatrix b = CanPackPanels(b_rows) ? PackPanels(b_rows) : b_rows;
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          std::vector<float> t_alone(n * rank), u_alone(n * rows), y_alone(n * rows);
          MatMul(x.data(), n, a, nullptr, t_alone.data(), pool);
          MatMul(t_alone.data(), n, b, nullptr, u_alone.data(), pool);
          MatMul(x.data(), n, base, nullptr, y_alone.data(), pool);
          std::vector<float> t(n * rank, NAN), u(n * rows, NAN), y(n * rows, NAN);
          const MatMulJob jobs[] = {{x.data(), n, &a, nullptr, t.data()},
                                    {x.data(), n, &base, nullptr, y.data()},
                                    {t.data(), n, &b, nullptr, u.data(), /*after=*/0}};
          MatMulBatch(jobs, pool);
          EXPECT_EQ(t, t_alone);
          EXPECT_EQ(y, y_alone);
          EXPECT_EQ(u, u_alone);
        }
      }
    }
  }
  // A first product spanning many chunks, so another thread reaches the
  // second one's rows while the first is still being computed.
  const int64_t n = 8, cols = 1024, mid = 1024, rows = 256;
  const auto x = RandomValues(n * cols, 71);
  const auto first_values = RandomValues(mid * cols, 72), second_values = RandomValues(rows * mid, 73);
  const WeightMatrix first = PackPanels(*QuantizeWeights(first_values.data(), mid, cols, WeightFormat::kQ8_0));
  const WeightMatrix second = PackPanels(*QuantizeWeights(second_values.data(), rows, mid, WeightFormat::kQ4_0));
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::vector<float> t_alone(n * mid), u_alone(n * rows);
    MatMul(x.data(), n, first, nullptr, t_alone.data(), pool);
    MatMul(t_alone.data(), n, second, nullptr, u_alone.data(), pool);
    for (int repeat = 0; repeat < 20; ++repeat) {
      std::vector<float> t(n * mid, NAN), u(n * rows, NAN);
      const MatMulJob jobs[] = {{x.data(), n, &first, nullptr, t.data()},
                                {t.data(), n, &second, nullptr, u.data(), /*after=*/0}};
      MatMulBatch(jobs, pool);
      ASSERT_EQ(u, u_alone) << threads << " threads, repeat " << repeat;
    }
  }
}

TEST(MatMulTest, ThreadCountDoesNotChangeResults) {
  for (const int64_t n : {6, 20}) {
  const int64_t rows = 77, cols = 256;
  const auto values = RandomValues(rows * cols, 21);
  const auto x = RandomValues(n * cols, 22);
  for (WeightFormat format : kAllFormats) {
    auto w = QuantizeWeights(values.data(), rows, cols, format);
    ASSERT_TRUE(w.ok());
    std::vector<float> one(n * rows), many(n * rows);
    ThreadPool single(1), several(4);
    MatMul(x.data(), n, *w, nullptr, one.data(), single);
    MatMul(x.data(), n, *w, nullptr, many.data(), several);
    EXPECT_EQ(one, many) << WeightFormatName(format) << " n=" << n;
  }
  }
}

TEST(MatMulTest, DotF32MatchesReferenceOnEveryTarget) {
  for (int64_t n : {0, 1, 7, 16, 31, 64, 1000}) {
    const auto a = RandomValues(n, 5), b = RandomValues(n, 6);
    float magnitude = 0.0f;
    for (int64_t i = 0; i < n; ++i) magnitude += std::fabs(a[i] * b[i]);
    const float expected = DotF32Reference(a.data(), b.data(), n);
    test::ForEachSimdTarget(
        [&] { EXPECT_NEAR(DotF32(a.data(), b.data(), n), expected, 1e-6f * magnitude) << n; });
  }
}

TEST(QuantizedActivationsTest, RoundTripWithinHalfAScale) {
  const int64_t n = 3, cols = 128;
  auto x = RandomValues(n * cols, 9);
  x[5] = 0.0f;
  std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
  QuantizedActivations q;
  QuantizeActivations(x.data(), n, cols, &q);
  for (int64_t i = 0; i < n * cols; ++i) {
    const float scale = q.scales[i / kQuantBlock];
    EXPECT_LE(std::abs(q.values[i]), 127);
    EXPECT_NEAR(q.values[i] * scale, x[i], scale / 2 * (1 + 1e-6f)) << i;
  }
  EXPECT_EQ(q.scales[1], 0.0f);
  for (int64_t b = 0; b < n * cols / kQuantBlock; ++b) {
    int32_t sum = 0;
    for (int64_t j = 0; j < kQuantBlock; ++j) sum += q.values[b * kQuantBlock + j];
    EXPECT_EQ(q.sums[b], sum) << b;
  }
}

// The SIMD quantizer is bit-identical to the scalar one, including values
// that land exactly on .5 steps (round half away from zero) and ±127.
TEST(QuantizedActivationsTest, SimdMatchesReferenceExactlyOnEveryTarget) {
  const int64_t n = 4, cols = 256;
  auto x = RandomValues(n * cols, 13, 3.0f);
  // Block 0: max 127 so x / scale is x itself; exact halves in both signs.
  for (int j = 0; j < 32; ++j) x[j] = (j - 16) + 0.5f;
  x[0] = 127.0f;
  std::fill(x.begin() + 64, x.begin() + 96, 0.0f);
  QuantizedActivations expected, actual;
  QuantizeActivationsReference(x.data(), n, cols, &expected);
  test::ForEachSimdTarget([&] {
    QuantizeActivations(x.data(), n, cols, &actual);
    EXPECT_EQ(actual.values, expected.values);
    EXPECT_EQ(actual.scales, expected.scales);
    EXPECT_EQ(actual.sums, expected.sums);
  });
  EXPECT_EQ(expected.values[1], -15);  // -14.5 rounds away from zero
  EXPECT_EQ(expected.values[31], 16);  // 15.5 likewise
}

}  // namespace
}  // namespace edgereason
