// edgereason bench: prompt and generation throughput, llama-bench style.
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "runtime/benchmark.h"

namespace edgereason::cli {
namespace {

struct BenchFlags {
  std::string model, dtype, parallel, lora, lora_dtype = "f32", kv_dtype = "f32";
  int threads = 1;
  int64_t prompt = 512, generate = 128, depth = 0, ubatch = EngineOptions{}.prefill_chunk;
  int repetitions = 3;
  int64_t bandwidth_mb = 1024;
  bool roofline = false, json = false;
};

Result<std::vector<int>> ParseList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < 1 || v > 256) throw std::invalid_argument(item);
      values.push_back(v);
    } catch (const std::exception&) {
      return InvalidArgument("--parallel: '" + item + "' is not a stream count between 1 and 256");
    }
  }
  return values;
}

int RunBench(const BenchFlags& f) {
  auto fail = [](const Status& s) { return Fail("bench", s); };
  BenchmarkOptions options;
  options.prompt_tokens = f.prompt;
  options.generate_tokens = f.generate;
  options.depth = f.depth;
  options.repetitions = f.repetitions;
  if (!f.parallel.empty()) {
    auto list = ParseList(f.parallel);
    if (!list.ok()) return fail(list.status());
    options.parallel = *list;
  }
  auto model = LoadModelFlag(f.model, f.dtype);
  if (!model.ok()) return fail(model.status());
  int max_streams = 1;
  for (int n : options.parallel) max_streams = std::max(max_streams, n);
  const int64_t context = f.depth + f.prompt + f.generate + 1;
  auto kv_dtype = ParseKvDTypeFlag(f.kv_dtype);
  if (!kv_dtype.ok()) return fail(kv_dtype.status());
  auto engine = Engine::Create(*model, {.threads = f.threads,
                                        .context_size = std::max<int64_t>(context, 16),
                                        .kv_capacity = (context + 64) * (max_streams + 2),
                                        .kv_dtype = *kv_dtype,
                                        .prefill_chunk = f.ubatch});
  if (!engine.ok()) return fail(engine.status());
  if (!f.lora.empty()) {
    auto id = AddAdapterFlag(**engine, f.lora, f.lora_dtype);
    if (!id.ok()) return fail(id.status());
    options.adapter = *id;
  }
  ResetPeakRss();  // the peak covers benchmarking, not conversion at load
  auto result = RunBenchmark(**engine, options);
  if (!result.ok()) return fail(result.status());
  const double peak_mb = PeakRssBytes() / 1e6;

  const double weights_mb = (*model)->WeightBytes() / 1e6;
  // Decode reads every weight matrix once per token (the embedding only one
  // row) plus the cached keys and values of the positions before it.
  const double kv_bytes_per_position =
      static_cast<double>((*engine)->kv_cache().BytesPerBlock()) / (*engine)->kv_cache().block_size();
  const double kv_bytes_per_token = static_cast<double>(f.depth + f.generate / 2) * kv_bytes_per_position;
  nlohmann::ordered_json j;
  j["model"] = f.model;
  j["dtype"] = std::string(WeightFormatName((*model)->weight_format()));
  j["threads"] = f.threads;
  j["repetitions"] = f.repetitions;
  j["pp"] = {{"tokens", f.prompt}, {"tps", result->pp_tps}, {"runs", result->pp_runs}};
  j["tg"] = {{"tokens", f.generate}, {"tps", result->tg_tps}, {"runs", result->tg_runs}};
  j["depth"] = f.depth;
  j["kv_dtype"] = f.kv_dtype;
  j["weights_mb"] = weights_mb;
  j["peak_rss_mb"] = peak_mb;
  // Every KV block the run allocated stays resident (freed ones are reused),
  // so the peak is compared with the weights plus the largest KV footprint.
  const double kv_resident_mb = (*engine)->kv_cache().BytesAllocated() / 1e6;
  j["kv_resident_mb"] = kv_resident_mb;
  j["peak_rss_over_weights_plus_kv"] = peak_mb / (weights_mb + kv_resident_mb);
  j["kv_mb_at_end_of_tg"] = (f.depth + f.generate) * kv_bytes_per_position / 1e6;
  if (f.roofline) {
    const double bandwidth = MeasureReadBandwidth(f.threads, f.bandwidth_mb << 20);
    const double bytes_per_token = (*model)->WeightBytes() + kv_bytes_per_token;
    const double floor_tps = bandwidth * 1e9 / bytes_per_token;
    j["roofline"] = {{"read_bandwidth_gbs", bandwidth},
                     {"bytes_per_token_mb", bytes_per_token / 1e6},
                     {"floor_tps", floor_tps},
                     {"tg_fraction_of_floor", result->tg_tps / floor_tps}};
  }
  if (!result->parallel.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& p : result->parallel) {
      list.push_back({{"n", p.n}, {"tps", p.tps}, {"speedup_vs_first", p.speedup},
                      {"kv_mb", p.kv_bytes / 1e6},
                      {"prompt_tokens_encoded", p.prompt_tokens_encoded}});
    }
    j["parallel"] = list;
  }
  if (result->ttft) {
    const double adapter_bytes =
        static_cast<double>((*engine)->adapter(options.adapter)->Bytes());
    j["tg_adapter"] = {{"tokens", f.generate}, {"tps", result->tg_adapter_tps},
                       {"runs", result->tg_adapter_runs},
                       {"cost_vs_base", result->adapter_cost},
                       {"adapter_mb", adapter_bytes / 1e6},
                       // Were decode bound by memory reads alone, the adapter
                       // would cost the share of its bytes in a token's reads.
                       {"cost_floor", adapter_bytes / (weights_mb * 1e6 + adapter_bytes)}};
    const auto& t = *result->ttft;
    j["ttft_ms"] = {{"base", t.base_ms}, {"adapter_shared_kv", t.shared_ms},
                    {"adapter_reencode", t.reencode_ms}};
    j["prompt_tokens_encoded"] = {{"base", t.base_encoded}, {"adapter_shared_kv", t.shared_encoded},
                                  {"adapter_reencode", t.reencode_encoded}};
  }
  if (f.json) {
    PrintJson(j);
  } else {
    std::cout << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace

void AddBenchCommand(CLI::App& app, ExitCode& exit_code) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Measure prompt processing (pp, -p tokens, --ubatch rows per call) and text generation (tg, -n\n"
      "tokens one at a time) in tokens/s: medians of --reps runs after one warm-up, with\n"
      "random token ids as llama-bench does. Also weight MB, peak RSS while benchmarking\n"
      "and its ratio to the weights plus the KV cache's resident bytes,\n"
      "the memory-bandwidth roofline (--roofline), shared-prompt parallel decoding\n"
      "(--parallel 1,2,4,8) and, with --lora, time to first token when switching to the\n"
      "adapter on the shared KV versus re-encoding the prompt.");
  cmd->add_option("--model", f->model, "Hugging Face model directory")->required();
  cmd->add_option("--dtype", f->dtype, "weight format: f32, bf16, q8_0, q4_0, q4_pc");
  cmd->add_option("--threads,-t", f->threads, "threads")->capture_default_str();
  cmd->add_option("-p,--prompt-tokens", f->prompt, "prompt tokens")->capture_default_str();
  cmd->add_option("-n,--gen-tokens", f->generate, "generated tokens")->capture_default_str();
  cmd->add_option("-u,--ubatch", f->ubatch, "prompt rows per forward call (bounds prefill memory)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--depth", f->depth, "KV positions filled before timing tg")->capture_default_str();
  cmd->add_option("--reps", f->repetitions, "timed repetitions")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_flag("--roofline", f->roofline, "also measure memory read bandwidth");
  cmd->add_option("--bandwidth-mb", f->bandwidth_mb, "array size of the bandwidth test")
      ->capture_default_str()->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--parallel", f->parallel, "stream counts, e.g. 1,2,4,8,16");
  cmd->add_option("--lora", f->lora, "PEFT adapter: measure switch cost");
  cmd->add_option("--kv-dtype", f->kv_dtype, "KV cache storage: f32, f16, bf16, int8")->capture_default_str();
  cmd->add_option("--lora-dtype", f->lora_dtype, kLoraDtypeHelp)->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object on one line");
  cmd->callback([f, &exit_code] { exit_code.value = RunBench(*f); });
}

}  // namespace edgereason::cli
