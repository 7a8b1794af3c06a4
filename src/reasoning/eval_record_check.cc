#include "reasoning/eval_record_check.h"

#include <string>

namespace edgereason {
namespace {

using nlohmann::json;

enum class Kind { kBool, kInteger, kNumber, kNumberOrNull, kString, kObject, kArray };

bool Is(const json& v, Kind kind) {
  switch (kind) {
    case Kind::kBool: return v.is_boolean();
    case Kind::kInteger: return v.is_number_integer();
    case Kind::kNumber: return v.is_number();
    case Kind::kNumberOrNull: return v.is_number() || v.is_null();
    case Kind::kString: return v.is_string();
    case Kind::kObject: return v.is_object();
    case Kind::kArray: return v.is_array();
  }
  return false;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kBool: return "true or false";
    case Kind::kInteger: return "an integer";
    case Kind::kNumber: return "a number";
    case Kind::kNumberOrNull: return "a number or null";
    case Kind::kString: return "a string";
    case Kind::kObject: return "an object";
    case Kind::kArray: return "an array";
  }
  return "?";
}

std::string Join(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

// `obj[key]` is there (or, when optional, absent) and of `kind`.
Status Field(const json& obj, const std::string& where, const std::string& key, Kind kind,
             bool optional = false) {
  if (!obj.contains(key)) {
    if (optional) return Status::Ok();
  } else if (Is(obj[key], kind)) {
    return Status::Ok();
  }
  return InvalidArgument("field '" + Join(where, key) + "' is missing or not " + KindName(kind));
}

Status CheckRouteCommon(const json& route, const std::string& where) {
  ER_RETURN_IF_ERROR(Field(route, where, "correct", Kind::kBool));
  ER_RETURN_IF_ERROR(Field(route, where, "tokens", Kind::kNumber));
  ER_RETURN_IF_ERROR(Field(route, where, "seconds", Kind::kNumber, true));
  return Field(route, where, "first_token_seconds", Kind::kNumber, true);
}

Status CheckReason(const json& reason) {
  ER_RETURN_IF_ERROR(CheckRouteCommon(reason, "reason"));
  ER_RETURN_IF_ERROR(Field(reason, "reason", "classes", Kind::kArray));
  const json& classes = reason["classes"];
  for (size_t i = 0; i < classes.size(); ++i) {
    const std::string where = "reason.classes[" + std::to_string(i) + "]";
    if (!classes[i].is_object()) return InvalidArgument("field '" + where + "' is not an object");
    ER_RETURN_IF_ERROR(Field(classes[i], where, "correct", Kind::kBool));
  }
  ER_RETURN_IF_ERROR(Field(reason, "reason", "streams", Kind::kArray));
  const json& streams = reason["streams"];
  for (size_t i = 0; i < streams.size(); ++i) {
    const std::string where = "reason.streams[" + std::to_string(i) + "]";
    if (!streams[i].is_object()) return InvalidArgument("field '" + where + "' is not an object");
    ER_RETURN_IF_ERROR(Field(streams[i], where, "class", Kind::kInteger));
    ER_RETURN_IF_ERROR(Field(streams[i], where, "score", Kind::kNumberOrNull));
    ER_RETURN_IF_ERROR(Field(streams[i], where, "tokens", Kind::kNumber));
    // A vote looks its winner up among the classes.
    const int64_t c = streams[i]["class"].get<int64_t>();
    if (c < -1 || c >= static_cast<int64_t>(classes.size())) {
      return InvalidArgument("field '" + where + ".class' is " + std::to_string(c) +
                             ", not -1 or the index of one of the " +
                             std::to_string(classes.size()) + " classes");
    }
  }
  ER_RETURN_IF_ERROR(Field(reason, "reason", "caps", Kind::kObject));
  for (const auto& [cap, at] : reason["caps"].items()) {
    const std::string where = "reason.caps." + cap;
    if (cap.empty() || cap.size() > 15 || cap.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgument("field '" + where + "' is not named by a token count");
    }
    if (!at.is_object()) return InvalidArgument("field '" + where + "' is not an object");
    ER_RETURN_IF_ERROR(Field(at, where, "accuracy", Kind::kNumber));
    ER_RETURN_IF_ERROR(Field(at, where, "tokens", Kind::kNumber));
    ER_RETURN_IF_ERROR(Field(at, where, "votes", Kind::kObject));
    for (const auto& [rule, vote] : at["votes"].items()) {
      if (!vote.is_object()) return InvalidArgument("field '" + where + ".votes." + rule + "' is not an object");
      ER_RETURN_IF_ERROR(Field(vote, where + ".votes." + rule, "correct", Kind::kBool));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckEvalRecord(const json& record) {
  if (!record.is_object()) return InvalidArgument("the record is not a JSON object");
  ER_RETURN_IF_ERROR(Field(record, "", "index", Kind::kInteger));
  if (record.contains("error")) return Status::Ok();
  ER_RETURN_IF_ERROR(Field(record, "", "correct", Kind::kBool));
  ER_RETURN_IF_ERROR(Field(record, "", "tokens", Kind::kNumber));
  ER_RETURN_IF_ERROR(Field(record, "", "latency_seconds", Kind::kNumber));
  ER_RETURN_IF_ERROR(Field(record, "", "prefill_seconds", Kind::kNumber, true));
  ER_RETURN_IF_ERROR(Field(record, "", "switcher_probability", Kind::kNumberOrNull, true));
  ER_RETURN_IF_ERROR(Field(record, "", "route", Kind::kString));
  const std::string route = record["route"].get<std::string>();
  if (route != "chat" && route != "reason") {
    return InvalidArgument("field 'route' is '" + route + "', not 'chat' or 'reason'");
  }
  if (!record.contains(route)) {
    return InvalidArgument("field 'route' is '" + route + "' but the record has no '" + route + "' field");
  }
  if (record.contains("chat")) {
    ER_RETURN_IF_ERROR(Field(record, "", "chat", Kind::kObject));
    ER_RETURN_IF_ERROR(CheckRouteCommon(record["chat"], "chat"));
  }
  if (record.contains("reason")) {
    ER_RETURN_IF_ERROR(Field(record, "", "reason", Kind::kObject));
    ER_RETURN_IF_ERROR(CheckReason(record["reason"]));
  }
  return Status::Ok();
}

}  // namespace edgereason
