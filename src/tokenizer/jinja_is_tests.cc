#include "tokenizer/jinja_is_tests.h"

#include <cmath>
#include <vector>

#include "tokenizer/jinja_filters.h"
#include "tokenizer/jinja_operators.h"
#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {
namespace {

using TestFunction = Result<bool> (*)(const Value& subject, const CallArgs& args);
struct TestEntry {
  std::string_view name;
  TestFunction function;
};

Result<const Value*> OneArg(std::string_view test, const CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty()) {
    return InvalidArgument("test '" + std::string(test) + "' takes exactly one argument");
  }
  return &args.positional[0];
}

Result<bool> Odd(const Value& v, bool want_odd) {
  if (!v.is_number()) return InvalidArgument("odd/even test needs a number, not " + TypeName(v));
  ER_ASSIGN_OR_RETURN(Value rem, ApplyBinary("%", v, Value(2)));
  return ValuesEqual(rem, Value(1)) == want_odd;
}

template <const char* kOp>
Result<bool> CompareTest(const Value& v, const CallArgs& args) {
  ER_ASSIGN_OR_RETURN(const Value* other, OneArg(kOp, args));
  return Compare(kOp, v, *other);
}
constexpr char kEq[] = "==";
constexpr char kNe[] = "!=";
constexpr char kLt[] = "<";
constexpr char kLe[] = "<=";
constexpr char kGt[] = ">";
constexpr char kGe[] = ">=";

bool SameAs(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNone:
    case Value::Kind::kUndefined:
      return a.kind() == Value::Kind::kNone;
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
    case Value::Kind::kString:
      return ValuesEqual(a, b);
    default:
      return a.identity() == b.identity();
  }
}

bool CaseTest(const Value& v, bool want_lower) {
  if (!v.is_string()) return false;
  const std::string& s = v.as_string();
  bool cased = ToUpper(s) != ToLower(s);
  return cased && (want_lower ? ToLower(s) == s : ToUpper(s) == s);
}

const std::vector<TestEntry>& Tests() {
  static const std::vector<TestEntry> kTests = {
      {"defined",
       [](const Value& v, const CallArgs&) -> Result<bool> { return !v.is_undefined(); }},
      {"undefined",
       [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_none(); }},
      {"boolean", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_bool(); }},
      {"true",
       [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_bool() && v.as_bool(); }},
      {"false",
       [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_bool() && !v.as_bool(); }},
      {"string", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_string(); }},
      {"number", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_number(); }},
      {"integer", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_int(); }},
      {"float", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_float(); }},
      {"mapping", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_dict(); }},
      {"iterable",
       [](const Value& v, const CallArgs&) -> Result<bool> {
         return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
       }},
      {"sequence",
       [](const Value& v, const CallArgs&) -> Result<bool> {
         return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
       }},
      {"callable", [](const Value& v, const CallArgs&) -> Result<bool> { return v.is_callable(); }},
      {"odd", [](const Value& v, const CallArgs&) { return Odd(v, true); }},
      {"even", [](const Value& v, const CallArgs&) { return Odd(v, false); }},
      {"divisibleby",
       [](const Value& v, const CallArgs& args) -> Result<bool> {
         ER_ASSIGN_OR_RETURN(const Value* n, OneArg("divisibleby", args));
         ER_ASSIGN_OR_RETURN(Value rem, ApplyBinary("%", v, *n));
         return ValuesEqual(rem, Value(0));
       }},
      {"in",
       [](const Value& v, const CallArgs& args) -> Result<bool> {
         ER_ASSIGN_OR_RETURN(const Value* seq, OneArg("in", args));
         return Contains(*seq, v);
       }},
      {"sameas",
       [](const Value& v, const CallArgs& args) -> Result<bool> {
         ER_ASSIGN_OR_RETURN(const Value* other, OneArg("sameas", args));
         return SameAs(v, *other);
       }},
      {"lower", [](const Value& v, const CallArgs&) -> Result<bool> { return CaseTest(v, true); }},
      {"upper", [](const Value& v, const CallArgs&) -> Result<bool> { return CaseTest(v, false); }},
      {"escaped", [](const Value&, const CallArgs&) -> Result<bool> { return false; }},
      {"filter",
       [](const Value& v, const CallArgs&) -> Result<bool> {
         return v.is_string() && HasFilter(v.as_string());
       }},
      {"test",
       [](const Value& v, const CallArgs&) -> Result<bool> {
         return v.is_string() && HasTest(v.as_string());
       }},
      {"equalto", CompareTest<kEq>},
      {"eq", CompareTest<kEq>},
      {"==", CompareTest<kEq>},
      {"ne", CompareTest<kNe>},
      {"!=", CompareTest<kNe>},
      {"lt", CompareTest<kLt>},
      {"lessthan", CompareTest<kLt>},
      {"<", CompareTest<kLt>},
      {"le", CompareTest<kLe>},
      {"<=", CompareTest<kLe>},
      {"gt", CompareTest<kGt>},
      {"greaterthan", CompareTest<kGt>},
      {">", CompareTest<kGt>},
      {"ge", CompareTest<kGe>},
      {">=", CompareTest<kGe>},
  };
  return kTests;
}

}  // namespace

bool HasTest(std::string_view name) {
  for (const TestEntry& entry : Tests()) {
    if (entry.name == name) return true;
  }
  return false;
}

Result<bool> ApplyTest(const std::string& name, const Value& subject, const CallArgs& args) {
  for (const TestEntry& entry : Tests()) {
    if (entry.name == name) return entry.function(subject, args);
  }
  return InvalidArgument("no test named '" + name + "'");
}

}  // namespace edgereason::jinja
