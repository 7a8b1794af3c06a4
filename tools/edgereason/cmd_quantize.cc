// edgereason quantize: converts a checkpoint's weights once, ahead of time.
#include <iostream>

#include "cli_common.h"
#include "model/quantized_checkpoint.h"

namespace edgereason::cli {

void AddQuantizeCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string model, out, dtype;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Write a copy of a model whose linear layers, LM head and embedding are stored in\n"
      "--dtype, so it loads by memory map without converting at start-up. The file is\n"
      "safetensors with metadata 'edgereason.weight_format'; each quantized matrix NAME is\n"
      "stored as NAME (I8 or packed U8 values) plus NAME.scales (see docs/formats.md).\n"
      "Config and tokenizer files are copied.");
  cmd->add_option("--model", opt->model, "Hugging Face model directory")->required();
  cmd->add_option("--dtype", opt->dtype, "f32, bf16, q8_0, q4_0 or q4_pc")->required();
  cmd->add_option("--out", opt->out, "output directory")->required();
  cmd->callback([opt, &exit_code] {
    auto fail = [&](const Status& s) { exit_code.value = Fail("quantize", s); };
    auto format = WeightFormatFromName(opt->dtype);
    if (!format) return fail(InvalidArgument("--dtype '" + opt->dtype + "' is not one of f32, bf16, q8_0, q4_0, q4_pc"));
    auto model = Model::Load(opt->model, {.weight_format = *format});
    if (!model.ok()) return fail(model.status());
    Status st = WriteQuantizedCheckpoint(**model, opt->out);
    if (!st.ok()) return fail(st);
    std::cerr << "wrote " << opt->dtype << " model (" << (*model)->WeightBytes() / 1e6
              << " MB of weights) to " << opt->out << "\n";
  });
}

}  // namespace edgereason::cli
