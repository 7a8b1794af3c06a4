// edgereason make-random-model: a Hugging Face checkpoint with random weights.
#include <iostream>

#include "cli_common.h"
#include "model/random_model.h"
#include "tokenizer/tokenizer_writer.h"

namespace edgereason::cli {

void AddMakeRandomModelCommand(CLI::App& app, ExitCode& exit_code) {
  struct Options {
    std::string shape = "tiny", out, dtype;
    uint64_t seed = 1;
  };
  auto opt = std::make_shared<Options>();
  std::string shapes;
  for (const auto& n : RandomModelShapeNames()) shapes += (shapes.empty() ? "" : ", ") + n;
  CLI::App* cmd = app.add_subcommand(
      "make-random-model",
      "Write a Hugging Face checkpoint (config.json, generation_config.json,\n"
      "model.safetensors) with random weights and the exact shapes of a real model, for\n"
      "benchmarks and demos. 'tiny' also gets a byte-level tokenizer and a ChatML template.");
  cmd->add_option("--shape", opt->shape, "one of: " + shapes)->capture_default_str();
  cmd->add_option("--out", opt->out, "output directory (created)")->required();
  cmd->add_option("--dtype", opt->dtype,
                  "weight dtype: f32, f16 or bf16 (default: f32 for tiny shapes, bf16 otherwise)");
  cmd->add_option("--seed", opt->seed, "random seed")->capture_default_str();
  cmd->callback([opt, &exit_code] {
    auto spec = RandomModelSpecByName(opt->shape);
    if (!spec.ok()) return void(exit_code.value = Fail("make-random-model", spec.status()));
    std::string dtype_name = opt->dtype;
    if (dtype_name.empty()) dtype_name = spec->config.vocab_size > 4096 ? "bf16" : "f32";
    DType dtype;
    if (dtype_name == "f32") dtype = DType::kF32;
    else if (dtype_name == "f16") dtype = DType::kF16;
    else if (dtype_name == "bf16") dtype = DType::kBF16;
    else {
      return void(exit_code.value = Fail("make-random-model",
          InvalidArgument("--dtype must be f32, f16 or bf16, got '" + dtype_name + "'")));
    }
    Status st = WriteRandomModel(*spec, dtype, opt->seed, opt->out);
    if (st.ok() && spec->config.vocab_size >= kByteTokenizerVocabSize &&
        spec->config.vocab_size <= 4096) {
      st = WriteByteLevelTokenizer(opt->out);
    }
    if (!st.ok()) return void(exit_code.value = Fail("make-random-model", st));
    std::cerr << "wrote " << opt->shape << " (" << dtype_name << ") to " << opt->out << "\n";
  });
}

}  // namespace edgereason::cli
