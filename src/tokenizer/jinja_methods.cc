#include "tokenizer/jinja_methods.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_operators.h"
#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {
namespace {

using Method = Result<Value> (*)(const Value& self, const BoundArgs& args);

struct MethodSpec {
  std::string_view name;
  std::vector<std::string_view> params;
  Method method;
};

Result<const std::string*> OptionalString(const std::optional<Value>& arg, std::string_view what) {
  if (!arg || arg->is_none()) return static_cast<const std::string*>(nullptr);
  if (!arg->is_string())
    return InvalidArgument(std::string(what) + " must be str or None, not " + TypeName(*arg));
  return &arg->as_string();
}

int64_t IntOr(const std::optional<Value>& arg, int64_t fallback) {
  return arg && arg->is_integral() ? arg->as_int() : fallback;
}

Value StringList(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value::MakeList(std::move(items));
}

Result<Value> Strip(const Value& self, const BoundArgs& a, bool left, bool right) {
  ER_ASSIGN_OR_RETURN(const std::string* chars, OptionalString(a[0], "strip arg"));
  return Value(StripPython(self.as_string(), chars, left, right));
}

// startswith/endswith accept a string or a tuple of strings.
Result<Value> Affix(const Value& self, const BoundArgs& a, bool prefix) {
  const std::string& s = self.as_string();
  std::vector<Value> candidates;
  if (a[0] && a[0]->is_list())
    candidates = a[0]->as_list().items;
  else if (a[0])
    candidates.push_back(*a[0]);
  for (const Value& c : candidates) {
    if (!c.is_string())
      return InvalidArgument("startswith/endswith first arg must be str or a tuple of str");
    if (prefix ? s.starts_with(c.as_string()) : s.ends_with(c.as_string())) return Value(true);
  }
  return Value(false);
}

Result<Value> Find(const Value& self, const BoundArgs& a, bool from_right) {
  if (!a[0] || !a[0]->is_string()) return InvalidArgument("find() argument must be str");
  const std::string& s = self.as_string();
  size_t hit = from_right ? s.rfind(a[0]->as_string()) : s.find(a[0]->as_string());
  if (hit == std::string::npos) return Value(int64_t{-1});
  return Value(static_cast<int64_t>(CodePointCount(std::string_view(s).substr(0, hit))));
}

// str.format with positional ({}, {0}) and keyword ({name}) fields.
Result<Value> Format(const Value& self, const CallArgs& args) {
  const std::string& f = self.as_string();
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '}' && i + 1 < f.size() && f[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (f[i] != '{') {
      out += f[i];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos)
      return InvalidArgument("single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!") != std::string::npos) {
      return Unsupported("format specs and conversions in str.format are not supported: {" + field +
                         "}");
    }
    const Value* v = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), ::isdigit)) {
      size_t index = field.empty() ? auto_index++ : std::stoul(field);
      if (index < args.positional.size()) v = &args.positional[index];
    } else {
      v = args.Keyword(field);
    }
    if (v == nullptr)
      return InvalidArgument("str.format has no argument for field {" + field + "}");
    out += PyStr(*v);
    i = close;
  }
  return Value(std::move(out));
}

const std::vector<MethodSpec>& StringMethods() {
  static const std::vector<MethodSpec> kMethods = {
      {"strip",
       {"chars"},
       [](const Value& s, const BoundArgs& a) { return Strip(s, a, true, true); }},
      {"lstrip",
       {"chars"},
       [](const Value& s, const BoundArgs& a) { return Strip(s, a, true, false); }},
      {"rstrip",
       {"chars"},
       [](const Value& s, const BoundArgs& a) { return Strip(s, a, false, true); }},
      {"upper",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         return Value(ToUpper(s.as_string()));
       }},
      {"lower",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         return Value(ToLower(s.as_string()));
       }},
      {"title",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         return Value(ToTitle(s.as_string()));
       }},
      {"capitalize",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         return Value(Capitalize(s.as_string()));
       }},
      {"split",
       {"sep", "maxsplit"},
       [](const Value& s, const BoundArgs& a) -> Result<Value> {
         ER_ASSIGN_OR_RETURN(const std::string* sep, OptionalString(a[0], "split separator"));
         if (sep != nullptr && sep->empty()) return InvalidArgument("empty separator");
         return StringList(SplitPython(s.as_string(), sep, IntOr(a[1], -1)));
       }},
      {"splitlines",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         return StringList(SplitLines(s.as_string()));
       }},
      {"startswith",
       {"prefix"},
       [](const Value& s, const BoundArgs& a) { return Affix(s, a, true); }},
      {"endswith",
       {"suffix"},
       [](const Value& s, const BoundArgs& a) { return Affix(s, a, false); }},
      {"replace",
       {"old", "new", "count"},
       [](const Value& s, const BoundArgs& a) -> Result<Value> {
         if (!a[0] || !a[1] || !a[0]->is_string() || !a[1]->is_string())
           return InvalidArgument("replace() arguments must be str");
         return Value(
             ReplaceAll(s.as_string(), a[0]->as_string(), a[1]->as_string(), IntOr(a[2], -1)));
       }},
      {"find", {"sub"}, [](const Value& s, const BoundArgs& a) { return Find(s, a, false); }},
      {"rfind", {"sub"}, [](const Value& s, const BoundArgs& a) { return Find(s, a, true); }},
      {"count",
       {"sub"},
       [](const Value& s, const BoundArgs& a) -> Result<Value> {
         if (!a[0] || !a[0]->is_string()) return InvalidArgument("count() argument must be str");
         return Value(CountOccurrences(s.as_string(), a[0]->as_string()));
       }},
      {"join",
       {"iterable"},
       [](const Value& s, const BoundArgs& a) -> Result<Value> {
         ER_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(a[0].value_or(Value::MakeList({}))));
         std::string out;
         for (size_t i = 0; i < items.size(); ++i) {
           if (!items[i].is_string())
             return InvalidArgument("join: sequence item " + std::to_string(i) +
                                    ": expected str instance, " + TypeName(items[i]) + " found");
           if (i > 0) out += s.as_string();
           out += items[i].as_string();
         }
         return Value(std::move(out));
       }},
      {"isdigit",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         const std::string& t = s.as_string();
         return Value(!t.empty() &&
                      std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }));
       }},
      {"isspace",
       {},
       [](const Value& s, const BoundArgs&) -> Result<Value> {
         auto cps = DecodeUtf8(s.as_string());
         return Value(!cps.empty() && std::all_of(cps.begin(), cps.end(), IsPythonSpace));
       }},
  };
  return kMethods;
}

const std::vector<MethodSpec>& DictMethods() {
  static const std::vector<MethodSpec> kMethods = {
      {"get",
       {"key", "default"},
       [](const Value& d, const BoundArgs& a) -> Result<Value> {
         const Value* v = a[0] ? d.as_dict().Find(*a[0]) : nullptr;
         return v != nullptr ? *v : a[1].value_or(Value(None{}));
       }},
      {"items",
       {},
       [](const Value& d, const BoundArgs&) -> Result<Value> {
         std::vector<Value> pairs;
         for (const auto& [k, v] : d.as_dict().entries)
           pairs.push_back(Value::MakeList({k, v}, true));
         return Value::MakeList(std::move(pairs));
       }},
      {"keys",
       {},
       [](const Value& d, const BoundArgs&) -> Result<Value> {
         std::vector<Value> keys;
         for (const auto& [k, v] : d.as_dict().entries) keys.push_back(k);
         return Value::MakeList(std::move(keys));
       }},
      {"values",
       {},
       [](const Value& d, const BoundArgs&) -> Result<Value> {
         std::vector<Value> values;
         for (const auto& [k, v] : d.as_dict().entries) values.push_back(v);
         return Value::MakeList(std::move(values));
       }},
      {"copy", {}, [](const Value& d, const BoundArgs&) -> Result<Value> { return d; }},
  };
  return kMethods;
}

const std::vector<MethodSpec>& ListMethods() {
  static const std::vector<MethodSpec> kMethods = {
      {"index",
       {"value"},
       [](const Value& l, const BoundArgs& a) -> Result<Value> {
         const auto& items = l.as_list().items;
         for (size_t i = 0; i < items.size(); ++i) {
           if (a[0] && ValuesEqual(items[i], *a[0])) return Value(static_cast<int64_t>(i));
         }
         return InvalidArgument(PyRepr(a[0].value_or(Value())) + " is not in list");
       }},
      {"count",
       {"value"},
       [](const Value& l, const BoundArgs& a) -> Result<Value> {
         int64_t n = 0;
         for (const Value& v : l.as_list().items) n += a[0] && ValuesEqual(v, *a[0]);
         return Value(n);
       }},
  };
  return kMethods;
}

// Methods the immutable sandbox refuses.
bool IsMutatingMethod(const Value& object, std::string_view name) {
  static constexpr std::array<std::string_view, 7> kList = {"append", "extend", "insert", "pop",
                                                            "remove", "clear",  "sort"};
  static constexpr std::array<std::string_view, 6> kDict = {"pop",    "popitem", "setdefault",
                                                            "update", "clear",   "__setitem__"};
  if (object.is_list())
    return std::find(kList.begin(), kList.end(), name) != kList.end() || name == "reverse";
  if (object.is_dict()) return std::find(kDict.begin(), kDict.end(), name) != kDict.end();
  return false;
}

}  // namespace

Result<std::optional<Value>> BoundMethod(const Value& object, const std::string& name) {
  if (IsMutatingMethod(object, name)) {
    return InvalidArgument("access to attribute '" + name + "' of '" + TypeName(object) +
                           "' object is unsafe: templates may not modify lists or dicts");
  }
  const std::vector<MethodSpec>* table = nullptr;
  if (object.is_string())
    table = &StringMethods();
  else if (object.is_dict())
    table = &DictMethods();
  else if (object.is_list())
    table = &ListMethods();
  if (table == nullptr) return std::optional<Value>();
  if (object.is_string() && name == "format") {
    return std::optional<Value>(Value::MakeCallable(
        "str.format",
        [self = object](const CallArgs& args, Evaluator&) { return Format(self, args); }));
  }
  for (const MethodSpec& spec : *table) {
    if (spec.name != name) continue;
    std::string qualified = TypeName(object) + "." + std::string(spec.name);
    return std::optional<Value>(Value::MakeCallable(
        qualified,
        [self = object, &spec, qualified](const CallArgs& args, Evaluator&) -> Result<Value> {
          ER_ASSIGN_OR_RETURN(BoundArgs bound, BindArgs(qualified, args, spec.params));
          return spec.method(self, bound);
        }));
  }
  return std::optional<Value>();
}

}  // namespace edgereason::jinja
