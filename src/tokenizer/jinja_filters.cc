#include "tokenizer/jinja_filters.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_operators.h"
#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {
namespace {

Result<BoundArgs> Bind(std::string_view filter, const CallArgs& args,
                       const std::vector<std::string_view>& params) {
  return BindArgs(filter, args, params);
}

std::string StringOf(const std::optional<Value>& v, std::string fallback) {
  return v ? PyStr(*v) : std::move(fallback);
}

Result<Value> Tojson(const Value& subject, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a,
                      Bind("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonDumpOptions options;
  options.ensure_ascii = a[0] && a[0]->Truthy();
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->is_string())
      options.indent = a[1]->as_string();
    else if (a[1]->is_integral())
      options.indent = std::string(static_cast<size_t>(std::max<int64_t>(a[1]->as_int(), 0)), ' ');
    else
      return InvalidArgument("tojson: indent must be an int or a string");
  }
  if (a[2] && !a[2]->is_none()) {
    if (!a[2]->is_list() || a[2]->as_list().items.size() != 2 ||
        !a[2]->as_list().items[0].is_string() || !a[2]->as_list().items[1].is_string()) {
      return InvalidArgument("tojson: separators must be a pair of strings");
    }
    options.separators = {a[2]->as_list().items[0].as_string(),
                          a[2]->as_list().items[1].as_string()};
  }
  options.sort_keys = a[3] && a[3]->Truthy();
  ER_ASSIGN_OR_RETURN(std::string text, DumpJson(subject, options));
  return Value(std::move(text));
}

Result<Value> Trim(const Value& s, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("trim", args, {"chars"}));
  std::string chars = a[0] && !a[0]->is_none() ? PyStr(*a[0]) : "";
  return Value(StripPython(PyStr(s), a[0] && !a[0]->is_none() ? &chars : nullptr, true, true));
}

// Jinja's title: words start after whitespace, '-', or an opening bracket.
Result<Value> Title(const Value& s, const CallArgs&) {
  std::string out;
  bool word_start = true;
  for (char32_t c : DecodeUtf8(PyStr(s))) {
    bool separator = IsPythonSpace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    std::string one;
    AppendUtf8(c, one);
    out += separator ? one : (word_start ? ToUpper(one) : ToLower(one));
    word_start = separator;
  }
  return Value(std::move(out));
}

Result<Value> Replace(const Value& s, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("replace", args, {"old", "new", "count"}));
  if (!a[0] || !a[1]) return InvalidArgument("replace needs the old and new strings");
  int64_t count = a[2] && a[2]->is_integral() ? a[2]->as_int() : -1;
  return Value(ReplaceAll(PyStr(s), PyStr(*a[0]), PyStr(*a[1]), count));
}

Result<Value> Default(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("default", args, {"default_value", "boolean"}));
  bool use_default = v.is_undefined() || (a[1] && a[1]->Truthy() && !v.Truthy());
  return use_default ? a[0].value_or(Value("")) : v;
}

// Python int(str): optional sign, digits with single underscores, whitespace.
std::optional<int64_t> ParseInt(std::string text, int base) {
  text = StripPython(text, nullptr, true, true);
  std::string cleaned;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i > 0 && i + 1 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i - 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])))
      continue;
    cleaned += text[i];
  }
  if (cleaned.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(cleaned.c_str(), &end, base);
  if (*end != '\0' || errno == ERANGE || std::isspace(static_cast<unsigned char>(cleaned[0])))
    return std::nullopt;
  return value;
}

std::optional<double> ParseFloat(const std::string& raw) {
  std::string text = StripPython(raw, nullptr, true, true);
  if (text.empty() || text.find_first_of("xXpP") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return value;
}

Result<Value> Int(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("int", args, {"default", "base"}));
  Value fallback = a[0].value_or(Value(0));
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    if (!std::isfinite(v.as_double()) || std::fabs(v.as_double()) > 9.2e18) return fallback;
    return Value(static_cast<int64_t>(std::trunc(v.as_double())));
  }
  if (!v.is_string()) return fallback;
  int base = a[1] && a[1]->is_integral() ? static_cast<int>(a[1]->as_int()) : 10;
  if (auto parsed = ParseInt(v.as_string(), base)) return Value(*parsed);
  if (base == 10) {
    if (auto f = ParseFloat(v.as_string()); f && std::isfinite(*f) && std::fabs(*f) < 9.2e18) {
      return Value(static_cast<int64_t>(std::trunc(*f)));
    }
  }
  return fallback;
}

Result<Value> Float(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("float", args, {"default"}));
  Value fallback = a[0].value_or(Value(0.0));
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    if (auto f = ParseFloat(v.as_string())) return Value(*f);
  }
  return fallback;
}

Result<Value> Abs(const Value& v, const CallArgs&) {
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_integral()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  return InvalidArgument("bad operand type for abs(): '" + TypeName(v) + "'");
}

Result<Value> Round(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("round", args, {"precision", "method"}));
  int64_t precision = a[0] && a[0]->is_integral() ? a[0]->as_int() : 0;
  std::string method = StringOf(a[1], "common");
  if (method != "common" && method != "ceil" && method != "floor") {
    return InvalidArgument("round: method must be 'common', 'ceil' or 'floor'");
  }
  if (!v.is_number()) return InvalidArgument("round: cannot round a " + TypeName(v));
  if (method == "common") {
    if (v.is_integral()) return Value(v.as_int());  // Python's round(int, n) stays an int
    char buffer[512];
    std::snprintf(buffer, sizeof(buffer), "%.*f",
                  static_cast<int>(std::clamp<int64_t>(precision, 0, 300)), v.as_double());
    return Value(std::strtod(buffer, nullptr));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double scaled = v.as_double() * scale;
  return Value((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Result<Value> Indent(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("indent", args, {"width", "first", "blank"}));
  std::string indentation = "    ";
  if (a[0]) {
    if (a[0]->is_string())
      indentation = a[0]->as_string();
    else if (a[0]->is_integral())
      indentation = std::string(static_cast<size_t>(std::max<int64_t>(a[0]->as_int(), 0)), ' ');
  }
  bool first = a[1] && a[1]->Truthy();
  bool blank = a[2] && a[2]->Truthy();
  // Jinja appends a newline before splitting so a trailing newline survives.
  std::vector<std::string> lines = SplitLines(PyStr(v) + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    bool indent_line = (i > 0 || first) && (blank || !lines[i].empty());
    if (i == 0 && first) indent_line = true;
    out += (indent_line ? indentation : "") + lines[i];
  }
  return Value(std::move(out));
}

Result<Value> Escape(const Value& v, const CallArgs&) {
  std::string out;
  for (char c : PyStr(v)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return Value(std::move(out));
}

bool IsWordChar(char32_t c) {
  if (c < 0x80) return std::isalnum(static_cast<int>(c)) || c == '_';
  return !IsPythonSpace(c) && !(c >= 0x2000 && c <= 0x206F) && !(c >= 0x3000 && c <= 0x303F);
}

Result<Value> Wordcount(const Value& v, const CallArgs&) {
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : DecodeUtf8(PyStr(v))) {
    bool word = IsWordChar(c);
    words += word && !in_word;
    in_word = word;
  }
  return Value(words);
}

Result<Value> Center(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(BoundArgs a, Bind("center", args, {"width"}));
  int64_t width = a[0] && a[0]->is_integral() ? a[0]->as_int() : 80;
  std::string text = PyStr(v);
  int64_t length = static_cast<int64_t>(CodePointCount(text));
  if (width <= length) return Value(text);
  if (width > static_cast<int64_t>(kMaxValueBytes)) return OutOfRange("center: width is too large");
  int64_t pad = width - length;
  int64_t left = pad / 2 + (pad & width & 1);  // CPython's split of odd padding
  return Value(std::string(static_cast<size_t>(left), ' ') + text +
               std::string(static_cast<size_t>(pad - left), ' '));
}

Result<Value> Format(const Value& v, const CallArgs& args) {
  if (!args.keyword.empty()) {
    if (!args.positional.empty())
      return InvalidArgument("format: cannot mix positional and keyword arguments");
    return Unsupported("format with keyword arguments is not supported");
  }
  Value operand =
      args.positional.size() == 1 ? args.positional[0] : Value::MakeList(args.positional, true);
  if (args.positional.size() == 1 && args.positional[0].is_list() &&
      args.positional[0].as_list().is_tuple) {
    operand = Value::MakeList({args.positional[0]}, true);
  }
  return ApplyBinary("%", Value(PyStr(v)), operand);
}

}  // namespace

const std::vector<FilterEntry>& StringFilters() {
  static const std::vector<FilterEntry> kFilters = {
      {"tojson", Tojson},
      {"trim", Trim},
      {"upper",
       [](const Value& v, const CallArgs&) -> Result<Value> { return Value(ToUpper(PyStr(v))); }},
      {"lower",
       [](const Value& v, const CallArgs&) -> Result<Value> { return Value(ToLower(PyStr(v))); }},
      {"title", Title},
      {"capitalize",
       [](const Value& v, const CallArgs&) -> Result<Value> {
         return Value(Capitalize(PyStr(v)));
       }},
      {"replace", Replace},
      {"default", Default},
      {"d", Default},
      {"string", [](const Value& v, const CallArgs&) -> Result<Value> { return Value(PyStr(v)); }},
      {"int", Int},
      {"float", Float},
      {"abs", Abs},
      {"round", Round},
      {"indent", Indent},
      {"safe", [](const Value& v, const CallArgs&) -> Result<Value> { return v; }},
      {"escape", Escape},
      {"e", Escape},
      {"forceescape", Escape},
      {"wordcount", Wordcount},
      {"center", Center},
      {"format", Format},
  };
  return kFilters;
}

bool HasFilter(std::string_view name) {
  for (const auto* table : {&StringFilters(), &CollectionFilters()}) {
    for (const FilterEntry& entry : *table) {
      if (entry.name == name) return true;
    }
  }
  return false;
}

Result<Value> ApplyFilter(const std::string& name, const Value& subject, const CallArgs& args) {
  for (const auto* table : {&StringFilters(), &CollectionFilters()}) {
    for (const FilterEntry& entry : *table) {
      if (entry.name == name) return entry.function(subject, args);
    }
  }
  return InvalidArgument("no filter named '" + name + "'");
}

}  // namespace edgereason::jinja
