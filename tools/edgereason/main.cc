// edgereason: the command-line interface. Each command lives in its own file
// (cmd_*.cc); this file only assembles them.
#include <CLI/CLI.hpp>

#include "cli_common.h"

int main(int argc, char** argv) {
  CLI::App app{
      "edgereason: run small LLMs on CPUs, reasoning only when it pays.\n"
      "Models are Hugging Face checkpoint directories (config.json, *.safetensors,\n"
      "tokenizer files). Run 'edgereason COMMAND --help' for a command's options."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  edgereason::cli::ExitCode exit_code;
  edgereason::cli::AddGenerateCommand(app, exit_code);
  edgereason::cli::AddLogitsCommand(app, exit_code);
  edgereason::cli::AddTokenizeCommand(app, exit_code);
  edgereason::cli::AddMakeRandomModelCommand(app, exit_code);
  edgereason::cli::AddCheckAnswerCommand(app, exit_code);
  edgereason::cli::AddMakeRandomAdapterCommand(app, exit_code);
  edgereason::cli::AddRunCommand(app, exit_code);
  edgereason::cli::AddMakeRandomBundleCommand(app, exit_code);
  edgereason::cli::AddEvalCommand(app, exit_code);
  edgereason::cli::AddReportCommand(app, exit_code);
  edgereason::cli::AddPlotCommand(app, exit_code);
  edgereason::cli::AddQuantizeCommand(app, exit_code);
  edgereason::cli::AddBenchCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code.value;
}
