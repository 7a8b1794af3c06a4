// Turning values into text the way Python does: str() for `{{ }}` output,
// repr() inside printed containers, float formatting, and json.dumps for the
// `tojson` filter. Also the bridge from JSON context variables to values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// Python repr(float): shortest round-trip digits, "1.0", "1e-05", "inf".
std::string FormatFloat(double value);
// Python str(value); Undefined prints as "".
std::string PyStr(const Value& value);
// Python repr(value).
std::string PyRepr(const Value& value);

// json.dumps options as the `tojson` filter receives them.
struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;                              // nullopt: single line
  std::optional<std::pair<std::string, std::string>> separators;  // item, key
  bool sort_keys = false;
};
// Python json.dumps(value, ...); fails for values JSON cannot hold.
Result<std::string> DumpJson(const Value& value, const JsonDumpOptions& options);

// Context variables arrive as JSON; key order is kept as given.
Value ValueFromJson(const nlohmann::ordered_json& json);

}  // namespace edgereason::jinja
