// Throughput measurements of an engine in the style of llama-bench: prompt
// processing (pp) and text generation (tg) in tokens per second, medians over
// repetitions after a warm-up, plus memory figures and the machine's memory
// read bandwidth for a roofline comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "runtime/engine.h"

namespace edgereason {

struct BenchmarkOptions {
  int64_t prompt_tokens = 512;    // -p
  int64_t generate_tokens = 128;  // -n
  int64_t depth = 0;              // KV positions filled before tg is timed
  int repetitions = 3;            // timed runs after one warm-up
  std::vector<int> parallel;      // N values for shared-prompt parallel decode
  int16_t adapter = -1;           // when set: time-to-first-token comparison
  uint64_t seed = 1;
};

struct BenchmarkResult {
  double pp_tps = 0;  // median
  double tg_tps = 0;  // median
  std::vector<double> pp_runs, tg_runs;
  // With an adapter: tg with the adapter on every token (median and runs),
  // and its cost: 1 − median over repetitions of adapter tps / base tps,
  // each pair timed back to back so the machine's drift (shared machines
  // move ±20% within a minute) cancels.
  double tg_adapter_tps = 0;
  std::vector<double> tg_adapter_runs;
  double adapter_cost = 0;
  struct Parallel {
    int n = 0;
    // Aggregate decode tokens/s over the n streams (median). The repetitions
    // go round every N in turn, so the N values are compared over the same
    // stretch of time.
    double tps = 0;
    // Median over repetitions of this N's tps / the first N's tps in the
    // same round (the paired speed-up; 1 for the first N).
    double speedup = 1;
    int64_t kv_bytes = 0;
    int64_t prompt_tokens_encoded = 0;
  };
  std::vector<Parallel> parallel;
  // With an adapter: time to first token (ms) for (a) the base model, (b) the
  // adapter on the base's prompt KV, (c) re-encoding the prompt with the
  // adapter on, and the prompt tokens each encoded.
  struct Ttft {
    double base_ms = 0, shared_ms = 0, reencode_ms = 0;
    int64_t base_encoded = 0, shared_encoded = 0, reencode_encoded = 0;
  };
  std::optional<Ttft> ttft;
};

Result<BenchmarkResult> RunBenchmark(Engine& engine, const BenchmarkOptions& options);

// Median of a non-empty list.
double Median(std::vector<double> values);

// Memory read bandwidth in GB/s (1e9 bytes/s): `threads` threads each sum a
// share of a `bytes`-sized array; the best of `repetitions` passes.
double MeasureReadBandwidth(int threads, int64_t bytes = int64_t{1} << 30, int repetitions = 5);

// Resident set size now and its peak since the last ResetPeakRss, in bytes
// (Linux /proc/self/status; 0 where unavailable).
int64_t CurrentRssBytes();
int64_t PeakRssBytes();
// Restarts the peak so that it covers only what follows (e.g. decoding, not
// the conversion done while loading). Returns false where unsupported.
bool ResetPeakRss();

}  // namespace edgereason
