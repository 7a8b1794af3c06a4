// Tokenizer throughput on MATH500 (every problem and solution), single
// thread, reported as bytes of UTF-8 text per second.
//
//   build/tokenizer_bench [--benchmark_filter=Encode]
//
// The shared data directory comes from EDGEREASON_SHARED (environment) or the
// build's EDGEREASON_SHARED_DIR.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace {

std::string SharedPath(const std::string& relative) {
  const char* env = std::getenv("EDGEREASON_SHARED");
  return std::string(env != nullptr ? env : EDGEREASON_SHARED_DIR) + "/" + relative;
}

struct Corpus {
  std::unique_ptr<edgereason::Tokenizer> tokenizer;
  std::vector<std::string> texts;
  size_t bytes = 0;
};

// Loaded once for all benchmarks; exits with a message when data is missing.
const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    auto loaded = edgereason::Tokenizer::LoadFromDirectory(SharedPath("data/qwen2.5-tokenizer"));
    if (!loaded.ok()) {
      std::cerr << loaded.status().ToString() << "\n";
      std::exit(1);
    }
    c.tokenizer = std::move(loaded).value();
    std::ifstream in(SharedPath("data/math500/test.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
      auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (row.is_discarded()) continue;
      for (const char* field : {"problem", "solution"}) {
        if (row.contains(field) && row[field].is_string()) {
          c.texts.push_back(row[field].get<std::string>());
          c.bytes += c.texts.back().size();
        }
      }
    }
    if (c.texts.empty()) {
      std::cerr << "no MATH500 text found under " << SharedPath("data/math500") << "\n";
      std::exit(1);
    }
    return c;
  }();
  return corpus;
}

void BM_EncodeMath500(benchmark::State& state) {
  const Corpus& corpus = GetCorpus();
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const std::string& text : corpus.texts) {
      auto ids = corpus.tokenizer->Encode(text, /*parse_special=*/false);
      if (!ids.ok()) {
        state.SkipWithError(ids.status().ToString().c_str());
        return;
      }
      tokens += ids->size();
      benchmark::DoNotOptimize(ids->data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["bytes_per_token"] =
      tokens == 0 ? 0.0 : static_cast<double>(corpus.bytes) / static_cast<double>(tokens);
}
BENCHMARK(BM_EncodeMath500)->Unit(benchmark::kMillisecond);

void BM_DecodeMath500(benchmark::State& state) {
  const Corpus& corpus = GetCorpus();
  std::vector<std::vector<int32_t>> encoded;
  for (const std::string& text : corpus.texts) {
    encoded.push_back(*corpus.tokenizer->Encode(text, false));
  }
  for (auto _ : state) {
    for (const auto& ids : encoded) {
      auto text = corpus.tokenizer->Decode(ids);
      benchmark::DoNotOptimize(text);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
}
BENCHMARK(BM_DecodeMath500)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
