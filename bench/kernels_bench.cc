// Kernels on the Qwen2.5-0.5B shapes: MatMul in every weight format as GEMV
// (n = 1 and 8, decode: reports weight bytes streamed per second) and GEMM
// (n = 512, prefill: reports multiply-adds as GOP/s), on 1 and 2 threads;
// attention of one decode token over 4096 cached positions; the thread pool's
// cost per call.
//
// Decode streams every weight from memory once per token (the model is far
// larger than the caches), so GEMV rotates over enough copies of each weight
// (≥ 4× the last-level cache) that no iteration finds its weight cached.
//
//   build/kernels_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/simd_targets.h"
#include "tensor/dtype.h"
#include "tensor/quantize.h"

namespace edgereason {
namespace {

constexpr WeightFormat kFormats[] = {WeightFormat::kF32, WeightFormat::kBF16,
                                     WeightFormat::kQ8_0, WeightFormat::kQ4_0,
                                     WeightFormat::kQ4_PC};

// [rows, cols] of q/o, k/v, gate/up, down and the LM head.
constexpr std::pair<int64_t, int64_t> kShapes[] = {
    {896, 896}, {128, 896}, {4864, 896}, {896, 4864}, {151936, 896}};

constexpr int64_t kColdBytes = 256LL << 20;  // 8× a 32 MiB L3

std::vector<float> RandomValues(int64_t count, uint32_t seed, float stddev = 0.02f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// A byte-for-byte copy of `w` in its own allocation.
WeightMatrix Copy(const WeightMatrix& w) {
  const int64_t data_bytes = w.Bytes() - w.ScaleBytes();
  auto bytes = std::make_shared<std::vector<uint8_t>>(w.Bytes());
  std::memcpy(bytes->data(), w.data, data_bytes);
  if (w.scales != nullptr) std::memcpy(bytes->data() + data_bytes, w.scales, w.Bytes() - data_bytes);
  WeightMatrix c = w;
  c.data = bytes->data();
  c.scales = w.scales != nullptr ? bytes->data() + data_bytes : nullptr;
  c.storage = std::shared_ptr<const void>(bytes, bytes->data());
  return c;
}

// Copies of one (shape, format) weight, enough that cycling through them
// reads memory, not cache (one copy for prefill, which is compute-bound).
// Only the latest set is kept, so memory stays bounded.
const std::vector<WeightMatrix>& Weights(int64_t rows, int64_t cols, WeightFormat format,
                                         bool cold) {
  static std::tuple<int64_t, int64_t, WeightFormat, bool> key;
  static std::vector<WeightMatrix> copies;
  if (copies.empty() || key != std::make_tuple(rows, cols, format, cold)) {
    copies.clear();
    const auto values = RandomValues(rows * cols, static_cast<uint32_t>(rows + cols));
    // In the layout a loaded model has (kPanels where the CPU has the int8
    // panel kernels).
    const WeightMatrix rows_layout = QuantizeWeights(values.data(), rows, cols, format).value();
    const bool panels = PreferredWeightLayout(rows_layout) == WeightLayout::kPanels;
    auto copy = [&] { return panels ? InPreferredLayout(rows_layout) : Copy(rows_layout); };
    copies.push_back(copy());
    const int64_t count = cold ? std::max<int64_t>(1, kColdBytes / copies[0].Bytes()) : 1;
    while (static_cast<int64_t>(copies.size()) < count) copies.push_back(copy());
    key = std::make_tuple(rows, cols, format, cold);
  }
  return copies;
}

void BM_MatMul(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1), n = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const auto format = static_cast<WeightFormat>(state.range(4));
  const bool cold = n <= 16;
  const auto& weights = Weights(rows, cols, format, cold);
  const auto x = RandomValues(n * cols, 3, 1.0f);
  std::vector<float> y(n * rows);
  ThreadPool pool(threads);
  size_t next = 0;
  for (auto _ : state) {
    MatMul(x.data(), n, weights[next], nullptr, y.data(), pool);
    next = next + 1 == weights.size() ? 0 : next + 1;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * weights[0].Bytes());
  state.counters["GOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * n * rows * cols / 1e9,
      benchmark::Counter::kIsRate);
  state.SetLabel(std::string(WeightFormatName(format)) + " " +
                 SimdTargetName(CurrentSimdTarget()));
}

// One decode token of Qwen2.5-0.5B's attention (14 query heads, 2 KV heads,
// head_dim 64) over `depth` cached positions in blocks of 16, per layer, with
// the cache stored as f32, f16, bf16 or int8 (per-row scales). Reports the
// cache bytes read per second.
void BM_Attention(benchmark::State& state) {
  const int64_t depth = state.range(0);
  const auto element = static_cast<KvElement>(state.range(1));
  const AttentionShape shape{14, 2, 64};
  const int64_t kv_dim = shape.num_kv_heads * shape.head_dim, block = 16;
  const int64_t element_bytes = element == KvElement::kF32 ? 4 : element == KvElement::kInt8 ? 1 : 2;
  const int64_t block_bytes = block * kv_dim * element_bytes;
  // Enough layers' caches that they do not stay in L3, as in a real model.
  const int64_t layers = std::max<int64_t>(1, kColdBytes / (2 * depth * kv_dim * element_bytes));
  const int64_t blocks = (depth + block - 1) / block;
  std::vector<std::vector<uint8_t>> storage;
  std::vector<float> scales(block * shape.num_kv_heads, 1.0f / 40);  // int8 only
  std::vector<std::vector<const void*>> keys(layers), values(layers);
  std::vector<const float*> scale_ptrs(blocks, scales.data());
  for (int64_t l = 0; l < layers; ++l) {
    for (int64_t b = 0; b < 2 * blocks; ++b) {
      const auto x = RandomValues(block * kv_dim, static_cast<uint32_t>(l * 7919 + b), 1.0f);
      std::vector<uint8_t> bytes(block_bytes);
      for (int64_t i = 0; i < block * kv_dim; ++i) {
        switch (element) {
          case KvElement::kF32: std::memcpy(&bytes[i * 4], &x[i], 4); break;
          case KvElement::kF16: reinterpret_cast<uint16_t*>(bytes.data())[i] = F32ToF16(x[i]); break;
          case KvElement::kBF16: reinterpret_cast<uint16_t*>(bytes.data())[i] = F32ToBF16(x[i]); break;
          case KvElement::kInt8:
            bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(std::lround(x[i] * 40), -127L, 127L)));
            break;
        }
      }
      storage.push_back(std::move(bytes));
      (b % 2 == 0 ? keys : values)[l].push_back(storage.back().data());
    }
  }
  const auto q = RandomValues(shape.num_heads * shape.head_dim, 5, 1.0f);
  std::vector<float> out(q.size()), attention_scores(depth);
  int64_t l = 0;
  for (auto _ : state) {
    const KvSpan span{keys[l].data(), values[l].data(), block, depth, element, scale_ptrs.data(),
                      scale_ptrs.data()};
    AttendOneQuery(q.data(), span, shape, out.data(), attention_scores.data());
    l = l + 1 == layers ? 0 : l + 1;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * depth * kv_dim * element_bytes);
  static const char* const kNames[] = {"f32", "f16", "bf16", "int8"};
  state.SetLabel(std::string(kNames[state.range(1)]) + " " + SimdTargetName(CurrentSimdTarget()));
}

// The pool's round trip for an empty ParallelFor on every thread.
void BM_ParallelForOverhead(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    pool.ParallelFor(1024, 16, [](int64_t b, int64_t e) { benchmark::DoNotOptimize(b + e); });
  }
}

void Register() {
  for (WeightFormat format : kFormats) {
    for (const auto& [rows, cols] : kShapes) {
      for (int64_t n : {1, 8, 512}) {
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
  benchmark::RegisterBenchmark("Attention/decode", BM_Attention)
      ->ArgsProduct({{4096}, {0, 1, 2, 3}})
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("ThreadPool/ParallelFor", BM_ParallelForOverhead)
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime();
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
