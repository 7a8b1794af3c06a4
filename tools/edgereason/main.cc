// edgereason: the command-line interface. Each command lives in its own file.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"edgereason: efficient LLM reasoning on edge devices"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
