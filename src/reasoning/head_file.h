// Small classifier heads (switcher, verifier) stored as a safetensors file
// with a JSON config next to it: `<stem>.safetensors` + `<stem>.json`.
// The formats of each head are documented in docs/bundle.md; this file only
// reads and writes the pair.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

// A head's tensors widened to f32, with their shapes, and its config.
struct HeadFile {
  std::string origin;  // the safetensors path, for error messages
  nlohmann::json config;
  std::map<std::string, std::vector<float>> tensors;
  std::map<std::string, std::vector<int64_t>> shapes;

  // The tensor `name`, which must have exactly `shape`.
  Result<const std::vector<float>*> Tensor(const std::string& name,
                                           const std::vector<int64_t>& shape) const;
};

// `path` may name the .safetensors file, the .json file or the common stem.
// Reads both files; F32, F16 and BF16 tensors are accepted. The config must be
// a JSON object whose "kind" equals `kind`.
Result<HeadFile> ReadHeadFile(const std::string& path, const std::string& kind);

// Writes `<stem>.safetensors` (F32) and `<stem>.json`, each atomically.
Status WriteHeadFile(const std::string& stem, const nlohmann::json& config,
                     const std::map<std::string, std::pair<std::vector<int64_t>,
                                                           std::vector<float>>>& tensors);

// "x.safetensors" / "x.json" / "x" -> "x".
std::string HeadStem(const std::string& path);

}  // namespace edgereason
