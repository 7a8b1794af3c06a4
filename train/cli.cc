#include "train/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "train/logits_command.h"

namespace edgereason::train {
namespace {

Result<std::vector<int32_t>> ParseIds(const std::string& text) {
  std::vector<int32_t> ids;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (end == word.c_str() || *end != '\0' || v < 0 || v > INT32_MAX) {
      return InvalidArgument("--ids: '" + word + "' is not a token id");
    }
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

int Report(const Status& st) {
  if (st.ok()) return 0;
  std::fprintf(stderr, "edgereason-train: %s\n", st.message().c_str());
  return 1;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "edgereason-train: trains what the edgereason runtime runs — small base models "
      "(pretrain), byte-level BPE tokenizers (bpe), masked-LoRA reasoning adapters (sft), "
      "budget-forcing RL on an adapter (grpo), and the switcher and verifier heads. "
      "Reads and writes Hugging Face / PEFT files."};
  app.require_subcommand(1);

  LogitsOptions logits;
  std::string logits_ids;
  CLI::App* logits_cmd = app.add_subcommand(
      "logits", "Forward pass of the trainer's model on given ids; writes F32 'logits' [L,V] "
                "and 'final_hidden' [H] to a safetensors file (compare with `edgereason logits`)");
  logits_cmd->add_option("--model", logits.model_dir, "Hugging Face model directory")->required();
  logits_cmd->add_option("--lora", logits.lora_dir, "PEFT adapter directory");
  logits_cmd->add_option("--lora-start", logits.lora_start,
                         "adapter on from this position (masked LoRA); default: every position");
  logits_cmd->add_option("--ids", logits_ids, "token ids separated by spaces")->required();
  logits_cmd->add_option("--out", logits.out_path, "output .safetensors file")->required();
  logits_cmd->add_option("--base-format", logits.base_format,
                         "fake-quantize the base as the runtime would: q8_0, q4_0 or q4_pc");
  logits_cmd->add_flag("--bf16", logits.bf16, "matrix products in bf16 (training precision)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (logits_cmd->parsed()) {
    auto ids = ParseIds(logits_ids);
    if (!ids.ok()) return Report(ids.status());
    logits.ids = *ids;
    return Report(RunLogits(logits));
  }
  return 0;
}

}  // namespace edgereason::train
