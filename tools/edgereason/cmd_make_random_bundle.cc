// edgereason make-random-bundle: a reasoning bundle with a random adapter and
// random heads around an existing base model, to try `run` and `eval`.
#include <iostream>

#include "cli_common.h"
#include "reasoning/random_bundle.h"

namespace edgereason::cli {

void AddMakeRandomBundleCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string model, out;
    RandomBundleSpec spec;
    uint64_t seed = 1;
    bool no_switcher = false, no_verifier = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "make-random-bundle",
      "Write a reasoning bundle (bundle.json, adapter/, switcher and verifier heads) with\n"
      "random weights around a base model directory, for demos and tests.");
  cmd->add_option("--model", opt->model, "the base model directory")->required();
  cmd->add_option("--out", opt->out, "output directory (created)")->required();
  cmd->add_option("--rank", opt->spec.adapter_rank, "adapter rank")->capture_default_str();
  cmd->add_option("--budget", opt->spec.budget, "default token cap")->capture_default_str();
  cmd->add_option("--parallel", opt->spec.parallel, "default streams")->capture_default_str();
  cmd->add_option("--threshold", opt->spec.threshold, "switcher threshold")->capture_default_str();
  cmd->add_flag("--no-switcher", opt->no_switcher, "leave the switcher out");
  cmd->add_flag("--no-verifier", opt->no_verifier, "leave the verifier out");
  cmd->add_option("--seed", opt->seed, "random seed")->capture_default_str();
  cmd->callback([opt, &exit_code] {
    opt->spec.with_switcher = !opt->no_switcher;
    opt->spec.with_verifier = !opt->no_verifier;
    Status st = WriteRandomBundle(opt->model, opt->out, opt->spec, opt->seed);
    if (!st.ok()) return void(exit_code.value = Fail("make-random-bundle", st));
    std::cerr << "wrote bundle to " << opt->out << "\n";
  });
}

}  // namespace edgereason::cli
