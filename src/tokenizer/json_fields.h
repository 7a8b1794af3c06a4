// Typed, non-throwing reads of JSON fields for the tokenizer file parsers.
// Each failure is a kCorruptData Status naming the file and field path;
// `where` names the object holding the field (see FieldPath).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"

namespace edgereason {

// A JSON value's type in words ("a string", "null", ...), for messages.
std::string JsonTypeName(const nlohmann::json& value);

// Names a field for messages: "<file> field <key>" at the top level of a
// file, "<file> field <path>.<key>" below it (`where` names the object).
std::string FieldPath(const std::string& where, const std::string& key);

// The member `key` of object `object`, or nullptr when absent.
const nlohmann::json* FindMember(const nlohmann::json& object, const std::string& key);

// `out` keeps its value when the member is absent or null.
Status ReadOptionalBool(const nlohmann::json& object, const std::string& key,
                        const std::string& where, bool& out);
Status ReadOptionalString(const nlohmann::json& object, const std::string& key,
                          const std::string& where, std::optional<std::string>& out);

// A JSON integer that fits in int64_t (whole-valued floats accepted).
Result<int64_t> ReadInteger(const nlohmann::json& value, const std::string& origin);

}  // namespace edgereason
