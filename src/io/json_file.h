// JSON documents read with nlohmann::json, with errors as Status values that
// name the file (and, for typed field reads, the field).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace edgereason {

// Parses `text`; `origin` names it in errors (usually the file path).
Result<nlohmann::json> ParseJson(const std::string& text, const std::string& origin);
// Reads and parses a JSON file.
Result<nlohmann::json> ReadJsonFile(const std::string& path);

}  // namespace edgereason
