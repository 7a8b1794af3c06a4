// Pieces every edgereason command shares: error reporting, token-id lists,
// loading a model directory's tokenizer when it has one, JSON output.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/engine.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace edgereason::cli {

// Set by a command's callback; main returns it.
struct ExitCode {
  int value = 0;
};

// Prints "edgereason <command>: <message>" on stderr and returns exit code 1.
int Fail(const std::string& command, const Status& status);

// Parses "1 2 3" (spaces and/or commas) into token ids.
Result<std::vector<int32_t>> ParseTokenIds(const std::string& text);

// The directory's tokenizer, or null when it has no tokenizer files at all
// (the reference fixtures ship none). Malformed tokenizer files are an error.
Result<std::unique_ptr<Tokenizer>> LoadTokenizerIfPresent(const std::string& dir);

// Decodes ids to text, skipping ids the tokenizer does not know (a model's
// embedding table is often padded beyond its tokenizer's vocabulary).
Result<std::string> DecodeKnown(const Tokenizer& tokenizer, const std::vector<int32_t>& ids);

// Loads --model with the weight format named by --dtype ("" = the
// checkpoint's own, f32 for float checkpoints).
Result<std::shared_ptr<const Model>> LoadModelFlag(const std::string& dir, const std::string& dtype);
// The KV cache storage named by --kv-dtype.
Result<KvDType> ParseKvDTypeFlag(const std::string& name);
// Help text of --lora-dtype, shared by every command that takes --lora.
inline constexpr const char* kLoraDtypeHelp = "LoRA matrices in f32, bf16, q8_0 (int8) or q4_0";
// Loads the --lora adapter (matrices in --lora-dtype) into `engine`; its id.
Result<int16_t> AddAdapterFlag(Engine& engine, const std::string& dir, const std::string& lora_dtype);

// Prints a JSON value on one line to stdout.
void PrintJson(const nlohmann::ordered_json& value);

// The command registrations, one per file.
void AddGenerateCommand(CLI::App& app, ExitCode& exit_code);
void AddLogitsCommand(CLI::App& app, ExitCode& exit_code);
void AddTokenizeCommand(CLI::App& app, ExitCode& exit_code);
void AddMakeRandomModelCommand(CLI::App& app, ExitCode& exit_code);
void AddCheckAnswerCommand(CLI::App& app, ExitCode& exit_code);
void AddMakeRandomAdapterCommand(CLI::App& app, ExitCode& exit_code);
void AddRunCommand(CLI::App& app, ExitCode& exit_code);
void AddMakeRandomBundleCommand(CLI::App& app, ExitCode& exit_code);
void AddEvalCommand(CLI::App& app, ExitCode& exit_code);
void AddReportCommand(CLI::App& app, ExitCode& exit_code);
void AddPlotCommand(CLI::App& app, ExitCode& exit_code);
void AddQuantizeCommand(CLI::App& app, ExitCode& exit_code);
void AddBenchCommand(CLI::App& app, ExitCode& exit_code);

}  // namespace edgereason::cli
