// Flags shared by the commands that run the reasoning pipeline (run, eval):
// where its parts come from (a bundle or explicit paths) and the overrides of
// the bundle's defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "reasoning/bundle.h"

namespace edgereason::cli {

struct ReasoningFlags {
  std::string bundle, model, lora, switcher, verifier, dtype;
  std::optional<std::string> reasoning, vote;
  std::optional<int64_t> budget, answer_tokens;
  std::optional<int> parallel;
  std::optional<double> threshold, temperature;
  std::optional<uint64_t> seed;
  int threads = 1;
  int64_t context = 0;
  bool no_early_stop = false;
  std::optional<int> early_stop_margin, wave;
};

void AddReasoningFlags(CLI::App& cmd, ReasoningFlags& f);

// The bundle (or explicit paths) with the flags applied.
Result<Bundle> ResolveBundle(const ReasoningFlags& f);

}  // namespace edgereason::cli
