#include "tokenizer/json_fields.h"

#include <cmath>

namespace edgereason {

std::string JsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "an unexpected JSON value";
  }
}

std::string FieldPath(const std::string& where, const std::string& key) {
  if (where.find(" field ") != std::string::npos) return where + "." + key;
  return where + " field " + key;
}

const nlohmann::json* FindMember(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

Status ReadOptionalBool(const nlohmann::json& object, const std::string& key,
                        const std::string& where, bool& out) {
  const nlohmann::json* value = FindMember(object, key);
  if (value == nullptr || value->is_null()) return Status::Ok();
  if (!value->is_boolean()) {
    return CorruptData(FieldPath(where, key) + " is " + JsonTypeName(*value) +
                       ", expected true or false.");
  }
  out = value->get<bool>();
  return Status::Ok();
}

Status ReadOptionalString(const nlohmann::json& object, const std::string& key,
                          const std::string& where, std::optional<std::string>& out) {
  const nlohmann::json* value = FindMember(object, key);
  if (value == nullptr || value->is_null()) return Status::Ok();
  if (!value->is_string()) {
    return CorruptData(FieldPath(where, key) + " is " + JsonTypeName(*value) +
                       ", expected a string.");
  }
  out = value->get<std::string>();
  return Status::Ok();
}

Result<int64_t> ReadInteger(const nlohmann::json& value, const std::string& origin) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return CorruptData(origin + " is " + std::to_string(u) + ", too large.");
    }
    return static_cast<int64_t>(u);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return CorruptData(origin + " is " + value.dump() + ", expected an integer.");
  }
  return CorruptData(origin + " is " + JsonTypeName(value) + ", expected an integer.");
}

}  // namespace edgereason
