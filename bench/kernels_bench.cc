// Matrix kernels on the Qwen2.5-0.5B linear-layer shapes in every weight
// format: GEMV (n = 1, decode: reports weight bytes streamed per second) and
// GEMM (n = 512, prefill: reports multiply-adds as GOP/s), on 1 and 2 threads.
//
//   build/kernels_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "base/thread_pool.h"
#include "ops/matmul.h"
#include "ops/simd_targets.h"
#include "tensor/quantize.h"

namespace edgereason {
namespace {

constexpr WeightFormat kFormats[] = {WeightFormat::kF32, WeightFormat::kBF16,
                                     WeightFormat::kQ8_0, WeightFormat::kQ4_0,
                                     WeightFormat::kQ4_PC};

// [rows, cols] of q/o, k/v, gate/up, down and the LM head.
constexpr std::pair<int64_t, int64_t> kShapes[] = {
    {896, 896}, {128, 896}, {4864, 896}, {896, 4864}, {151936, 896}};

std::vector<float> RandomValues(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// One weight per (shape, format), built on first use; the benchmark process
// owns them until exit.
const WeightMatrix& Weights(int64_t rows, int64_t cols, WeightFormat format) {
  static std::map<std::tuple<int64_t, int64_t, WeightFormat>, WeightMatrix> cache;
  auto key = std::make_tuple(rows, cols, format);
  auto it = cache.find(key);
  if (it == cache.end()) {
    const auto values = RandomValues(rows * cols, static_cast<uint32_t>(rows + cols));
    it = cache.emplace(key, QuantizeWeights(values.data(), rows, cols, format).value()).first;
  }
  return it->second;
}

void BM_MatMul(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1), n = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const auto format = static_cast<WeightFormat>(state.range(4));
  const WeightMatrix& w = Weights(rows, cols, format);
  const auto x = RandomValues(n * cols, 3);
  std::vector<float> y(n * rows);
  ThreadPool pool(threads);
  for (auto _ : state) {
    MatMul(x.data(), n, w, nullptr, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * w.Bytes());
  state.counters["GOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * n * rows * cols / 1e9,
      benchmark::Counter::kIsRate);
  state.SetLabel(std::string(WeightFormatName(format)) + " " +
                 SimdTargetName(CurrentSimdTarget()));
}

void Register() {
  for (WeightFormat format : kFormats) {
    for (const auto& [rows, cols] : kShapes) {
      for (int64_t n : {1, 512}) {
        if (n > 1 && rows > 100000) continue;  // prefill computes logits for one row
        for (int threads : {1, 2}) {
          benchmark::RegisterBenchmark(
              ("MatMul/" + std::string(WeightFormatName(format)) + "/" +
               std::to_string(rows) + "x" + std::to_string(cols) + "/n" + std::to_string(n) +
               "/t" + std::to_string(threads))
                  .c_str(),
              BM_MatMul)
              ->Args({rows, cols, n, threads, static_cast<int64_t>(format)})
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgereason

int main(int argc, char** argv) {
  edgereason::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
