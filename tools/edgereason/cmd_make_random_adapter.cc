// edgereason make-random-adapter: a PEFT LoRA adapter with random weights.
#include <iostream>

#include "adapter/random_adapter.h"
#include "cli_common.h"
#include "model/model.h"

namespace edgereason::cli {

void AddMakeRandomAdapterCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string model, out;
    RandomAdapterSpec spec;
    uint64_t seed = 1;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "make-random-adapter",
      "Write a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) with\n"
      "random weights for a base model, for benchmarks.");
  cmd->add_option("--model", opt->model, "the base model directory")->required();
  cmd->add_option("--out", opt->out, "output directory (created)")->required();
  cmd->add_option("--rank,-r", opt->spec.rank, "LoRA rank")->capture_default_str();
  cmd->add_option("--alpha", opt->spec.alpha, "lora_alpha")->capture_default_str();
  cmd->add_flag("--rslora", opt->spec.rslora, "scale by alpha/sqrt(r) instead of alpha/r");
  cmd->add_option("--targets", opt->spec.targets, "target modules")->capture_default_str();
  cmd->add_option("--invocation", opt->spec.invocation_tokens, "aLoRA invocation token ids");
  cmd->add_option("--seed", opt->seed, "random seed")->capture_default_str();
  cmd->callback([opt, &exit_code] {
    auto config = LoadModelConfig(opt->model);
    if (!config.ok()) return void(exit_code.value = Fail("make-random-adapter", config.status()));
    Status st = WriteRandomAdapter(opt->spec, AdapterShapeOf(*config), opt->seed, opt->out);
    if (!st.ok()) return void(exit_code.value = Fail("make-random-adapter", st));
    std::cerr << "wrote rank-" << opt->spec.rank << " adapter to " << opt->out << "\n";
  });
}

}  // namespace edgereason::cli
