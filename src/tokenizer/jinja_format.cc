#include "tokenizer/jinja_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {

std::string FormatFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string sci(buffer, end);  // e.g. "-1.2345e-05"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  size_t e_pos = sci.find('e');
  std::string digits = sci.substr(0, e_pos);
  int exponent = std::stoi(sci.substr(e_pos + 1));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

  std::string out = sign;
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof(exp_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + exp_text;
  }
  if (exponent < 0)
    return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  size_t integer_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) {
    return out + digits + std::string(integer_digits - digits.size(), '0') + ".0";
  }
  return out + digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
}

namespace {

std::string ReprString(const std::string& text) {
  bool has_single = text.find('\'') != std::string::npos;
  bool has_double = text.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : DecodeUtf8(text)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == static_cast<char32_t>(quote))
      out += std::string("\\") + quote;
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned>(c));
      out += hex;
    } else if (c == 0x2028 || c == 0x2029) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned>(c));
      out += hex;
    } else {
      AppendUtf8(c, out);
    }
  }
  out += quote;
  return out;
}

std::string ReprDictEntries(const std::vector<std::pair<Value, Value>>& entries) {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ", ";
    out += PyRepr(entries[i].first) + ": " + PyRepr(entries[i].second);
  }
  return out + "}";
}

}  // namespace

std::string PyStr(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "";
    case Value::Kind::kString:
      return value.as_string();
    default:
      return PyRepr(value);
  }
}

std::string PyRepr(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return value.as_bool() ? "True" : "False";
    case Value::Kind::kInt:
      return std::to_string(value.as_int());
    case Value::Kind::kFloat:
      return FormatFloat(value.as_double());
    case Value::Kind::kString:
      return ReprString(value.as_string());
    case Value::Kind::kList: {
      const auto& list = value.as_list();
      std::string out = list.is_tuple ? "(" : "[";
      for (size_t i = 0; i < list.items.size(); ++i) {
        if (i > 0) out += ", ";
        out += PyRepr(list.items[i]);
      }
      if (list.is_tuple && list.items.size() == 1) out += ",";
      return out + (list.is_tuple ? ")" : "]");
    }
    case Value::Kind::kDict:
      return ReprDictEntries(value.as_dict().entries);
    case Value::Kind::kNamespace: {
      std::vector<std::pair<Value, Value>> entries;
      for (const auto& [k, v] : value.as_namespace().attributes) entries.emplace_back(Value(k), v);
      return "<Namespace " + ReprDictEntries(entries) + ">";
    }
    case Value::Kind::kCallable:
      return "<function " + value.as_callable().name + ">";
  }
  return "";
}

namespace {

void AppendJsonString(const std::string& text, bool ensure_ascii, std::string& out) {
  out += '"';
  for (char32_t c : DecodeUtf8(text)) {
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    char hex[16];
    if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
      if (c >= 0x10000) {
        unsigned v = static_cast<unsigned>(c) - 0x10000;
        std::snprintf(hex, sizeof(hex), "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned>(c));
      }
      out += hex;
    } else {
      AppendUtf8(c, out);
    }
  }
  out += '"';
}

std::string JsonFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  return FormatFloat(value);
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonDumpOptions& options) : options_(options) {
    if (options.separators) {
      item_separator_ = options.separators->first;
      key_separator_ = options.separators->second;
    } else {
      item_separator_ = options.indent ? "," : ", ";
      key_separator_ = ": ";
    }
  }

  Status Write(const Value& value, int depth, std::string& out) {
    if (depth > 512) return InvalidArgument("tojson: value nests too deeply");
    switch (value.kind()) {
      case Value::Kind::kNone:
        out += "null";
        return Status::Ok();
      case Value::Kind::kBool:
        out += value.as_bool() ? "true" : "false";
        return Status::Ok();
      case Value::Kind::kInt:
        out += std::to_string(value.as_int());
        return Status::Ok();
      case Value::Kind::kFloat:
        out += JsonFloat(value.as_double());
        return Status::Ok();
      case Value::Kind::kString:
        AppendJsonString(value.as_string(), options_.ensure_ascii, out);
        return Status::Ok();
      case Value::Kind::kList: {
        const auto& items = value.as_list().items;
        if (items.empty()) {
          out += "[]";
          return Status::Ok();
        }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out += item_separator_;
          Newline(depth + 1, out);
          ER_RETURN_IF_ERROR(Write(items[i], depth + 1, out));
        }
        Newline(depth, out);
        out += ']';
        return Status::Ok();
      }
      case Value::Kind::kDict:
        return WriteObject(value.as_dict().entries, depth, out);
      default:
        return InvalidArgument("tojson: Object of type " + TypeName(value) +
                               " is not JSON serializable");
    }
  }

 private:
  void Newline(int depth, std::string& out) const {
    if (!options_.indent) return;
    out += '\n';
    for (int i = 0; i < depth; ++i) out += *options_.indent;
  }

  Status WriteObject(std::vector<std::pair<Value, Value>> entries, int depth, std::string& out) {
    if (entries.empty()) {
      out += "{}";
      return Status::Ok();
    }
    std::vector<std::pair<std::string, const Value*>> keyed;
    for (const auto& [k, v] : entries) {
      std::string key;
      if (k.is_string())
        key = k.as_string();
      else if (k.is_bool())
        key = k.as_bool() ? "true" : "false";
      else if (k.is_int())
        key = std::to_string(k.as_int());
      else if (k.is_float())
        key = JsonFloat(k.as_double());
      else if (k.is_none())
        key = "null";
      else
        return InvalidArgument("tojson: keys must be str, int, float, bool or None, not " +
                               TypeName(k));
      keyed.emplace_back(std::move(key), &v);
    }
    if (options_.sort_keys) {
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    out += '{';
    for (size_t i = 0; i < keyed.size(); ++i) {
      if (i > 0) out += item_separator_;
      Newline(depth + 1, out);
      AppendJsonString(keyed[i].first, options_.ensure_ascii, out);
      out += key_separator_;
      ER_RETURN_IF_ERROR(Write(*keyed[i].second, depth + 1, out));
    }
    Newline(depth, out);
    out += '}';
    return Status::Ok();
  }

  const JsonDumpOptions& options_;
  std::string item_separator_;
  std::string key_separator_;
};

}  // namespace

Result<std::string> DumpJson(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  JsonWriter writer(options);
  ER_RETURN_IF_ERROR(writer.Write(value, 0, out));
  return out;
}

Value ValueFromJson(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value(None{});
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = json.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(ValueFromJson(item));
      return Value::MakeList(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<Value, Value>> entries;
      entries.reserve(json.size());
      for (const auto& [k, v] : json.items()) entries.emplace_back(Value(k), ValueFromJson(v));
      return Value::MakeDict(std::move(entries));
    }
    default:
      return Value(None{});
  }
}

}  // namespace edgereason::jinja
