// Choosing one token from Qwen2's 151,936 logits, per stream and token: the
// sampler at T = 0.7 with no filter (what reasoning streams use), with
// top-k 20 and top-p 0.8 (Qwen2.5's generation_config), top-p 0.95 alone,
// greedy, and the raw
// log-probability a confidence-reading verifier needs (TokenLogProb, whose
// normaliser is the Highway LogSumExp; LogSumExpReference is the f64 scalar
// pass it replaced, measured in the same run for the ratio).
//
// Logits: normal(0, 1.5) with five tokens at 12..8, a peaked head as an LLM's
// next-token logits have; "flat" drops the head (the draw then lands deep
// among the candidates: slow for a sorted walk, what the unfiltered draw's
// weight bins are for).
//
//   build/sampler_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "ops/softmax.h"
#include "sampling/sampler.h"

namespace edgereason {
namespace {

constexpr size_t kVocab = 151936;

std::vector<float> Logits(bool peaked) {
  std::mt19937 gen(1);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<float> logits(kVocab);
  for (float& l : logits) l = normal(gen);
  if (peaked) {
    for (int k = 0; k < 5; ++k) logits[1000 * k + 7] = 12.0f - static_cast<float>(k);
  }
  return logits;
}

void Sample(benchmark::State& state, SamplingParams params, bool peaked) {
  const std::vector<float> logits = Logits(peaked);
  Sampler sampler(params);
  std::vector<float> work(kVocab);
  for (auto _ : state) {
    work = logits;  // Sample modifies its logits
    benchmark::DoNotOptimize(sampler.Sample(work, {}));
  }
}

void BM_SampleT07(benchmark::State& s) { Sample(s, {.greedy = false, .temperature = 0.7f, .seed = 1}, true); }
void BM_SampleT07Flat(benchmark::State& s) { Sample(s, {.greedy = false, .temperature = 0.7f, .seed = 1}, false); }
void BM_SampleTopK20TopP08(benchmark::State& s) {
  Sample(s, {.greedy = false, .temperature = 0.7f, .top_k = 20, .top_p = 0.8f, .seed = 1}, true);
}
// Top-p alone, as reasoning models are often run (T 0.6, top-p 0.95).
void BM_SampleTopP095(benchmark::State& s) {
  Sample(s, {.greedy = false, .temperature = 0.6f, .top_p = 0.95f, .seed = 1}, true);
}
void BM_SampleTopP095Flat(benchmark::State& s) {
  Sample(s, {.greedy = false, .temperature = 0.6f, .top_p = 0.95f, .seed = 1}, false);
}
void BM_SampleGreedy(benchmark::State& s) { Sample(s, {.greedy = true}, true); }

void BM_TokenLogProb(benchmark::State& state) {
  const std::vector<float> logits = Logits(true);
  for (auto _ : state) benchmark::DoNotOptimize(TokenLogProb(logits, 7));
}

void BM_LogSumExpReference(benchmark::State& state) {
  const std::vector<float> logits = Logits(true);
  for (auto _ : state) benchmark::DoNotOptimize(LogSumExpReference(logits.data(), kVocab));
}

BENCHMARK(BM_SampleT07)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleT07Flat)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleTopK20TopP08)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleTopP095)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleTopP095Flat)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleGreedy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TokenLogProb)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LogSumExpReference)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace edgereason

BENCHMARK_MAIN();
