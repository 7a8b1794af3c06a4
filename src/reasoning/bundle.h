// A reasoning bundle: one directory that names everything the pipeline needs,
// so `edgereason run --bundle DIR` runs the whole system. DIR/bundle.json
// (documented in docs/bundle.md) gives paths relative to DIR for the base
// model, the adapter and the heads, the prompt templates, and defaults.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"
#include "reasoning/reasoner.h"

namespace edgereason {

struct BundlePaths {
  std::string base;      // model directory (required)
  std::string adapter;   // PEFT adapter directory ("" : none)
  std::string switcher;  // switcher head (stem or .safetensors; "" : none)
  std::string verifier;  // verifier head ("" : none)
  std::string dtype;     // weight format to load the base in ("" : the checkpoint's)
};

struct Bundle {
  std::string dir;
  BundlePaths paths;     // absolute, or as given when relative to nothing
  ReasonerConfig config; // templates and defaults applied
  bool mode_given = false;  // whether defaults.reasoning was set
};

// Reads DIR/bundle.json. Unknown keys, wrong types and missing files are
// errors naming bundle.json and the field.
Result<Bundle> LoadBundle(const std::string& dir);
// The same from a parsed document; relative paths resolve against `dir`.
Result<Bundle> ParseBundle(const nlohmann::json& doc, const std::string& dir,
                           const std::string& origin);

// Loads the model, tokenizer, adapter and heads the paths name.
Result<ReasonerParts> LoadReasonerParts(const BundlePaths& paths, const EngineOptions& engine);

}  // namespace edgereason
