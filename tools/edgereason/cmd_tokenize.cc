// edgereason tokenize: text -> token ids with a model's tokenizer.
#include <iostream>

#include "base/file.h"
#include "cli_common.h"

namespace edgereason::cli {

void AddTokenizeCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string model, text, file;
    bool special = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Print the token ids of a text, separated by spaces, on one line.\n"
      "The model directory needs only tokenizer files (tokenizer.json, or vocab.json +\n"
      "merges.txt, with tokenizer_config.json). No BOS is added.");
  cmd->add_option("--model", opt->model, "model or tokenizer directory")->required();
  cmd->add_option("text", opt->text, "the text to tokenize");
  cmd->add_option("--file", opt->file, "read the text from this file, byte for byte");
  cmd->add_flag("--special", opt->special,
                "recognise special tokens such as <|im_start|> in the text");
  cmd->callback([opt, &exit_code] {
    std::string text = opt->text;
    if (!opt->file.empty()) {
      auto read = ReadFile(opt->file);
      if (!read.ok()) return void(exit_code.value = Fail("tokenize", read.status()));
      text = *read;
    }
    auto tokenizer = Tokenizer::LoadFromDirectory(opt->model);
    if (!tokenizer.ok()) return void(exit_code.value = Fail("tokenize", tokenizer.status()));
    auto ids = (*tokenizer)->Encode(text, opt->special);
    if (!ids.ok()) return void(exit_code.value = Fail("tokenize", ids.status()));
    std::string line;
    for (size_t i = 0; i < ids->size(); ++i) {
      if (i) line += ' ';
      line += std::to_string((*ids)[i]);
    }
    std::cout << line << "\n";
  });
}

}  // namespace edgereason::cli
