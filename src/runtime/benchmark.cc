#include "runtime/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

namespace edgereason {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<int32_t> RandomTokens(int64_t count, int64_t vocab, std::mt19937_64& rng) {
  std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(std::min<int64_t>(vocab, 32000) - 1));
  std::vector<int32_t> tokens(count);
  for (auto& t : tokens) t = dist(rng);
  return tokens;
}

// Seconds to prefill `tokens` into a fresh sequence.
Result<double> TimePrefill(Engine& engine, const std::vector<int32_t>& tokens) {
  const int32_t seq = engine.AddSequence();
  ForwardOutput out;
  const auto start = Clock::now();
  Status st = engine.Prefill(seq, tokens, false, &out);
  const double s = Seconds(start);
  (void)engine.FreeSequence(seq);
  if (!st.ok()) return st;
  return s;
}

// Seconds to decode `count` tokens one at a time after `depth` cached ones.
// With `adapter` >= 0 every position runs the adapter (plain LoRA).
Result<double> TimeDecode(Engine& engine, int64_t depth, int64_t count, std::mt19937_64& rng,
                          int16_t adapter = -1) {
  const int64_t vocab = engine.model().config().vocab_size;
  const int32_t seq = engine.AddSequence();
  ForwardOutput out;
  Status st = engine.SetAdapter(seq, adapter, 0);
  if (depth > 0 && st.ok()) st = engine.Prefill(seq, RandomTokens(depth, vocab, rng), false, &out);
  const auto tokens = RandomTokens(count, vocab, rng);
  const auto start = Clock::now();
  for (int64_t i = 0; i < count && st.ok(); ++i) {
    TokenRow row{seq, static_cast<int32_t>(depth + i), tokens[i], true};
    st = engine.Decode({&row, 1}, &out);
  }
  const double s = Seconds(start);
  (void)engine.FreeSequence(seq);
  if (!st.ok()) return st;
  return s;
}

// Aggregate tokens/s of `n` streams forked from one `prompt`, each decoding
// `count` tokens, all streams in one batch per step.
Result<BenchmarkResult::Parallel> TimeParallel(Engine& engine, const std::vector<int32_t>& prompt,
                                               int n, int64_t count, std::mt19937_64& rng) {
  const int64_t vocab = engine.model().config().vocab_size;
  const int64_t encoded_before = engine.counters().prompt_tokens_encoded;
  const int32_t root = engine.AddSequence();
  ForwardOutput out;
  ER_RETURN_IF_ERROR(engine.Prefill(root, prompt, false, &out));
  std::vector<int32_t> seqs = {root};
  if (n > 1) {
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> children, engine.Fork(root, n - 1));
    seqs.insert(seqs.end(), children.begin(), children.end());
  }
  std::vector<TokenRow> rows(n);
  Status st;
  const auto start = Clock::now();
  for (int64_t i = 0; i < count && st.ok(); ++i) {
    const auto tokens = RandomTokens(n, vocab, rng);
    for (int s = 0; s < n; ++s) {
      rows[s] = {seqs[s], static_cast<int32_t>(prompt.size() + i), tokens[s], true};
    }
    st = engine.Decode(rows, &out);
  }
  const double seconds = Seconds(start);
  BenchmarkResult::Parallel p;
  p.n = n;
  p.tps = static_cast<double>(n * count) / seconds;
  p.kv_bytes = engine.kv_cache().BytesInUse();
  p.prompt_tokens_encoded = engine.counters().prompt_tokens_encoded - encoded_before;
  for (int32_t s : seqs) (void)engine.FreeSequence(s);
  if (!st.ok()) return st;
  return p;
}

// Time to the first generated token's logits in the three ways of switching
// to the adapter.
Result<BenchmarkResult::Ttft> TimeSwitch(Engine& engine, const std::vector<int32_t>& prompt,
                                         int16_t adapter) {
  BenchmarkResult::Ttft t;
  const int32_t next = prompt.front();
  auto run = [&](bool adapter_decode, bool reencode, double* ms, int64_t* encoded) -> Status {
    const int64_t before = engine.counters().prompt_tokens_encoded;
    ForwardOutput out;
    const auto start = Clock::now();
    const int32_t seq = engine.AddSequence();
    ER_RETURN_IF_ERROR(engine.Prefill(seq, prompt, false, &out));  // base prefill (switcher input)
    int32_t target = seq;
    if (reencode) {  // the naive way: encode the prompt again with the adapter on everywhere
      target = engine.AddSequence();
      ER_RETURN_IF_ERROR(engine.SetAdapter(target, adapter, 0));
      ER_RETURN_IF_ERROR(engine.Prefill(target, prompt, false, &out));
    } else if (adapter_decode) {  // masked LoRA: the adapter turns on after the prompt
      ER_RETURN_IF_ERROR(engine.SetAdapter(seq, adapter, static_cast<int64_t>(prompt.size())));
    }
    TokenRow row{target, static_cast<int32_t>(prompt.size()), next, true};
    ER_RETURN_IF_ERROR(engine.Decode({&row, 1}, &out));
    *ms = Seconds(start) * 1e3;
    *encoded = engine.counters().prompt_tokens_encoded - before;
    (void)engine.FreeSequence(seq);
    if (target != seq) (void)engine.FreeSequence(target);
    return Status::Ok();
  };
  ER_RETURN_IF_ERROR(run(false, false, &t.base_ms, &t.base_encoded));
  ER_RETURN_IF_ERROR(run(true, false, &t.shared_ms, &t.shared_encoded));
  ER_RETURN_IF_ERROR(run(true, true, &t.reencode_ms, &t.reencode_encoded));
  return t;
}

int64_t StatusField(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0) return std::stoll(line.substr(n + 1)) * 1024;  // kB
  }
  return 0;
}

}  // namespace

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

Result<BenchmarkResult> RunBenchmark(Engine& engine, const BenchmarkOptions& options) {
  if (options.repetitions < 1) return InvalidArgument("bench: repetitions must be at least 1");
  if (options.prompt_tokens < 1 || options.generate_tokens < 1) {
    return InvalidArgument("bench: -p and -n must be at least 1");
  }
  const int64_t vocab = engine.model().config().vocab_size;
  std::mt19937_64 rng(options.seed);
  BenchmarkResult result;
  const auto prompt = RandomTokens(options.prompt_tokens, vocab, rng);
  for (int rep = 0; rep <= options.repetitions; ++rep) {  // rep 0 warms up
    ER_ASSIGN_OR_RETURN(double pp, TimePrefill(engine, prompt));
    ER_ASSIGN_OR_RETURN(double tg, TimeDecode(engine, options.depth, options.generate_tokens, rng));
    if (rep == 0) continue;
    result.pp_runs.push_back(static_cast<double>(options.prompt_tokens) / pp);
    result.tg_runs.push_back(static_cast<double>(options.generate_tokens) / tg);
  }
  result.pp_tps = Median(result.pp_runs);
  result.tg_tps = Median(result.tg_runs);
  for (int n : options.parallel) {
    if (n < 1) return InvalidArgument("bench: --parallel values must be at least 1");
  }
  std::vector<std::vector<BenchmarkResult::Parallel>> parallel_runs(options.parallel.size());
  for (int rep = 0; rep < options.repetitions; ++rep) {
    for (size_t k = 0; k < options.parallel.size(); ++k) {
      ER_ASSIGN_OR_RETURN(auto p, TimeParallel(engine, prompt, options.parallel[k],
                                               options.generate_tokens, rng));
      parallel_runs[k].push_back(p);
    }
  }
  for (const auto& runs : parallel_runs) {
    std::vector<double> tps, speedups;
    for (size_t rep = 0; rep < runs.size(); ++rep) {
      tps.push_back(runs[rep].tps);
      speedups.push_back(runs[rep].tps / parallel_runs.front()[rep].tps);
    }
    BenchmarkResult::Parallel p = runs.front();
    p.tps = Median(tps);
    p.speedup = Median(speedups);
    result.parallel.push_back(p);
  }
  if (options.adapter >= 0) {
    std::vector<double> ratios;
    for (int rep = 0; rep <= options.repetitions; ++rep) {
      ER_ASSIGN_OR_RETURN(double base, TimeDecode(engine, options.depth, options.generate_tokens, rng));
      ER_ASSIGN_OR_RETURN(double tg, TimeDecode(engine, options.depth, options.generate_tokens, rng,
                                                options.adapter));
      if (rep == 0) continue;
      result.tg_adapter_runs.push_back(static_cast<double>(options.generate_tokens) / tg);
      ratios.push_back(base / tg);  // adapter tps / base tps
    }
    result.tg_adapter_tps = Median(result.tg_adapter_runs);
    result.adapter_cost = 1.0 - Median(ratios);
    std::vector<BenchmarkResult::Ttft> runs;
    for (int rep = 0; rep <= options.repetitions; ++rep) {
      ER_ASSIGN_OR_RETURN(auto t, TimeSwitch(engine, prompt, options.adapter));
      if (rep > 0) runs.push_back(t);
    }
    BenchmarkResult::Ttft t = runs.front();
    std::vector<double> a, b, c;
    for (const auto& r : runs) {
      a.push_back(r.base_ms);
      b.push_back(r.shared_ms);
      c.push_back(r.reencode_ms);
    }
    t.base_ms = Median(a);
    t.shared_ms = Median(b);
    t.reencode_ms = Median(c);
    result.ttft = t;
  }
  return result;
}

double MeasureReadBandwidth(int threads, int64_t bytes, int repetitions) {
  const int64_t words = bytes / 8;
  std::vector<uint64_t> data(words);
  for (int64_t i = 0; i < words; ++i) data[i] = static_cast<uint64_t>(i);
  double best = 0;
  std::vector<uint64_t> sums(threads);
  for (int rep = 0; rep < repetitions; ++rep) {
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const int64_t begin = words * t / threads, end = words * (t + 1) / threads;
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t i = begin;
        for (; i + 4 <= end; i += 4) {
          s0 += data[i];
          s1 += data[i + 1];
          s2 += data[i + 2];
          s3 += data[i + 3];
        }
        for (; i < end; ++i) s0 += data[i];
        sums[t] = s0 + s1 + s2 + s3;
      });
    }
    for (auto& w : workers) w.join();
    const double seconds = Seconds(start);
    best = std::max(best, static_cast<double>(words * 8) / seconds / 1e9);
  }
  volatile uint64_t sink = 0;
  for (uint64_t s : sums) sink = sink + s;  // keep the sums alive
  return best;
}

int64_t CurrentRssBytes() { return StatusField("VmRSS:"); }
int64_t PeakRssBytes() { return StatusField("VmHWM:"); }

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  return static_cast<bool>(out);
}

}  // namespace edgereason
