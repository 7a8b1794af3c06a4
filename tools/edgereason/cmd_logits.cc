// edgereason logits: the raw logits of every prompt position, for comparison
// with other implementations.
#include <cstring>
#include <optional>
#include <iostream>

#include "cli_common.h"
#include "io/safetensors.h"
#include "runtime/engine.h"

namespace edgereason::cli {

void AddLogitsCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string model, ids, out, lora, dtype, lora_dtype = "f32";
    std::optional<int64_t> lora_start;
    int threads = 1;
    int parallel = 1;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "logits",
      "Run one forward pass over token ids and write a safetensors file holding F32\n"
      "'logits' [L, vocab] (every position) and 'final_hidden' [hidden] (last position,\n"
      "after the final norm). Works on model directories without tokenizer files.\n"
      "With --parallel N the prompt but its last token is encoded once, forked into N\n"
      "streams that share its KV cache, and the last token is decoded by all N in one\n"
      "batch: 'stream_logits' [N, vocab] then holds each stream's logits (all equal to\n"
      "the last row of 'logits'), and the command prints how many prompt tokens were\n"
      "encoded and the KV bytes in use.");
  cmd->add_option("--model", opt->model, "Hugging Face model directory")->required();
  cmd->add_option("--ids", opt->ids, "prompt token ids, e.g. \"1 2 3\"")->required();
  cmd->add_option("--out", opt->out, "output .safetensors file (written atomically)")->required();
  cmd->add_option("--dtype", opt->dtype, "weight format (default f32, the reference)");
  cmd->add_option("--lora", opt->lora, "PEFT LoRA adapter directory");
  cmd->add_option("--lora-dtype", opt->lora_dtype, kLoraDtypeHelp)->capture_default_str();
  cmd->add_option("--lora-start", opt->lora_start,
                  "position where the adapter turns on (earlier positions use base weights)");
  cmd->add_option("--threads,-t", opt->threads, "threads")->capture_default_str();
  cmd->add_option("--parallel", opt->parallel, "streams forked from the prompt (see above)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->callback([opt, &exit_code] {
    auto fail = [&](const Status& s) { exit_code.value = Fail("logits", s); };
    auto ids = ParseTokenIds(opt->ids);
    if (!ids.ok()) return fail(ids.status());
    auto model = LoadModelFlag(opt->model, opt->dtype);
    if (!model.ok()) return fail(model.status());
    auto engine = Engine::Create(*model, {.threads = opt->threads});
    if (!engine.ok()) return fail(engine.status());
    const int32_t seq = (*engine)->AddSequence();
    if (!opt->lora.empty()) {
      auto id = AddAdapterFlag(**engine, opt->lora, opt->lora_dtype);
      if (!id.ok()) return fail(id.status());
      GenerateOptions resolve;
      resolve.adapter = *id;
      resolve.activation_start = opt->lora_start;
      auto start = ResolveActivationStart(**engine, *ids, resolve);
      if (!start.ok()) return fail(start.status());
      Status set = (*engine)->SetAdapter(seq, *id, *start);
      if (!set.ok()) return fail(set);
    } else if (opt->lora_start) {
      return fail(InvalidArgument("--lora-start needs --lora"));
    }
    const int64_t L = static_cast<int64_t>(ids->size());
    const int64_t V = (*model)->config().vocab_size, H = (*model)->config().hidden_size;
    auto bytes = [](const std::vector<float>& v, size_t offset, size_t count) {
      return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data() + offset),
                                      count * sizeof(float));
    };
    // One call over the whole prompt; or, with --parallel, the prompt but its
    // last token once, then that token decoded by every forked stream.
    const int64_t N = opt->parallel;
    if (N > 1 && L < 2) {
      return fail(InvalidArgument("--parallel needs at least two prompt ids (a prompt to share and a token to decode)"));
    }
    ForwardOutput out;
    Status st = (*engine)->Prefill(seq, std::span<const int32_t>(*ids).first(N > 1 ? L - 1 : L), true, &out);
    if (!st.ok()) return fail(st);
    std::vector<float> logits = std::move(out.logits);  // [L, V] once the streams' last row is added
    int64_t hidden_offset = (L - 1) * H;                 // of the last position in out.final_hidden
    if (N > 1) {
      auto children = (*engine)->Fork(seq, static_cast<int>(N - 1));
      if (!children.ok()) return fail(children.status());
      std::vector<TokenRow> rows;
      rows.push_back({seq, static_cast<int32_t>(L - 1), ids->back(), true});
      for (int32_t child : *children) rows.push_back({child, static_cast<int32_t>(L - 1), ids->back(), true});
      st = (*engine)->Decode(rows, &out);
      if (!st.ok()) return fail(st);
      logits.insert(logits.end(), out.logits.begin(), out.logits.begin() + V);
      hidden_offset = 0;
    }
    std::vector<TensorToWrite> tensors = {
        {"logits", DType::kF32, {L, V}, bytes(logits, 0, L * V)},
        {"final_hidden", DType::kF32, {H}, bytes(out.final_hidden, hidden_offset, H)}};
    if (N > 1) tensors.push_back({"stream_logits", DType::kF32, {N, V}, bytes(out.logits, 0, N * V)});
    st = WriteSafetensors(opt->out, tensors, {{"format", "pt"}});
    if (!st.ok()) return fail(st);
    if (N > 1) {
      std::cout << "streams: " << N << ", prompt tokens encoded: "
                << (*engine)->counters().prompt_tokens_encoded
                << ", KV bytes in use: " << (*engine)->kv_cache().BytesInUse() << "\n";
    }
  });
}

}  // namespace edgereason::cli
