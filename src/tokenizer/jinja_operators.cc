#include "tokenizer/jinja_operators.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_methods.h"
#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {
namespace {

Status TypeError(std::string_view op, const Value& a, const Value& b) {
  return InvalidArgument("unsupported operand type(s) for " + std::string(op) + ": '" +
                         TypeName(a) + "' and '" + TypeName(b) + "'");
}

Result<Value> Repeat(const Value& sequence, int64_t times) {
  times = std::max<int64_t>(times, 0);
  if (sequence.is_string()) {
    const std::string& s = sequence.as_string();
    if (!s.empty() && static_cast<uint64_t>(times) > kMaxValueBytes / s.size()) {
      return OutOfRange("string repetition would exceed " + std::to_string(kMaxValueBytes) +
                        " bytes");
    }
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(times));
    for (int64_t i = 0; i < times; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& list = sequence.as_list();
  if (!list.items.empty() &&
      static_cast<uint64_t>(times) > kMaxValueBytes / 64 / list.items.size()) {
    return OutOfRange("list repetition is too large");
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < times; ++i)
    items.insert(items.end(), list.items.begin(), list.items.end());
  return Value::MakeList(std::move(items), list.is_tuple);
}

Result<Value> Arithmetic(std::string_view op, const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    int64_t x = a.as_int();
    int64_t y = b.as_int();
    int64_t r = 0;
    if (op == "+" && !__builtin_add_overflow(x, y, &r)) return Value(r);
    if (op == "-" && !__builtin_sub_overflow(x, y, &r)) return Value(r);
    if (op == "*" && !__builtin_mul_overflow(x, y, &r)) return Value(r);
    if (op == "//" || op == "%") {
      if (y == 0) return InvalidArgument("integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1)
        return OutOfRange("integer overflow");
      int64_t q = x / y;
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return Value(op == "//" ? q : m);
    }
    if (op == "**" && y >= 0) {
      int64_t result = 1;
      for (int64_t i = 0; i < y; ++i) {
        if (__builtin_mul_overflow(result, x, &result)) return OutOfRange("integer overflow in **");
        if (result == 0 || result == 1) break;  // 0**n and 1**n stay put
      }
      if (result == 1 && x == -1 && y % 2 == 1) result = -1;
      return Value(result);
    }
    if (op != "/" && op != "**") return OutOfRange("integer overflow in " + std::string(op));
  }
  double x = a.as_double();
  double y = b.as_double();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0) return InvalidArgument("division by zero");
    return Value(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0) return InvalidArgument("float division or modulo by zero");
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    if (op == "%") return Value(m);
    return Value(std::floor(x / y));
  }
  if (x == 0 && y < 0) return InvalidArgument("0.0 cannot be raised to a negative power");
  return Value(std::pow(x, y));
}

// Python's `'%s' % value` for the conversions templates use.
Result<Value> PercentFormat(const std::string& format, const Value& args) {
  std::vector<Value> values;
  if (args.is_list() && args.as_list().is_tuple)
    values = args.as_list().items;
  else
    values.push_back(args);
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    size_t spec_start = ++i;
    while (i < format.size() &&
           std::string_view("-+ #0123456789.").find(format[i]) != std::string_view::npos)
      ++i;
    if (i >= format.size()) return InvalidArgument("incomplete format");
    char conversion = format[i];
    if (conversion == '%') {
      out += '%';
      continue;
    }
    if (next >= values.size()) return InvalidArgument("not enough arguments for format string");
    const Value& v = values[next++];
    std::string spec = "%" + format.substr(spec_start, i - spec_start);
    char buffer[512];
    if (conversion == 's' || conversion == 'r') {
      std::string text = conversion == 's' ? PyStr(v) : PyRepr(v);
      std::snprintf(buffer, sizeof(buffer), (spec + "s").c_str(), text.c_str());
      out += text.size() >= sizeof(buffer) ? text : std::string(buffer);
    } else if (std::string_view("dixXo").find(conversion) != std::string_view::npos &&
               v.is_number()) {
      std::snprintf(buffer, sizeof(buffer),
                    (spec + "ll" + (conversion == 'i' ? 'd' : conversion)).c_str(),
                    static_cast<long long>(v.is_float() ? std::trunc(v.as_double()) : v.as_int()));
      out += buffer;
    } else if (std::string_view("feEgG").find(conversion) != std::string_view::npos &&
               v.is_number()) {
      std::snprintf(buffer, sizeof(buffer), (spec + conversion).c_str(), v.as_double());
      out += buffer;
    } else {
      return InvalidArgument(std::string("unsupported format conversion '%") + conversion +
                             "' for " + TypeName(v));
    }
  }
  if (next < values.size())
    return InvalidArgument("not all arguments converted during string formatting");
  return Value(std::move(out));
}

std::string ObjectDescription(const Value& object) {
  if (object.is_none()) return "'None'";
  return "'" + TypeName(object) + " object'";
}

}  // namespace

Status UndefinedError(const Value& undefined) {
  const std::string& hint = undefined.undefined_hint();
  return InvalidArgument(hint.empty() ? "value is undefined" : hint);
}

Result<Value> ApplyBinary(std::string_view op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string joined = PyStr(a) + PyStr(b);
    if (joined.size() > kMaxValueBytes) return OutOfRange("string concatenation is too large");
    return Value(std::move(joined));
  }
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  if (a.is_number() && b.is_number()) return Arithmetic(op, a, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > kMaxValueBytes)
        return OutOfRange("string is too large");
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::MakeList(std::move(items), a.as_list().is_tuple);
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && b.is_integral()) return Repeat(a, b.as_int());
    if ((b.is_string() || b.is_list()) && a.is_integral()) return Repeat(b, a.as_int());
  }
  if (op == "%" && a.is_string()) return PercentFormat(a.as_string(), b);
  return TypeError(op, a, b);
}

Result<Value> ApplyUnary(std::string_view op, const Value& operand) {
  if (operand.is_undefined()) return UndefinedError(operand);
  if (!operand.is_number())
    return InvalidArgument("bad operand type for unary " + std::string(op) + ": '" +
                           TypeName(operand) + "'");
  if (op == "+") return operand.is_bool() ? Value(operand.as_int()) : operand;
  if (operand.is_float()) return Value(-operand.as_double());
  if (operand.as_int() == std::numeric_limits<int64_t>::min())
    return OutOfRange("integer overflow");
  return Value(-operand.as_int());
}

Result<bool> Compare(std::string_view op, const Value& a, const Value& b) {
  if (op == "==") return ValuesEqual(a, b);
  if (op == "!=") return !ValuesEqual(a, b);
  if (op == "in") return Contains(b, a);
  if (op == "not in") {
    ER_ASSIGN_OR_RETURN(bool found, Contains(b, a));
    return !found;
  }
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  bool swap = op == ">" || op == "<=";
  std::optional<bool> less = swap ? ValueLess(b, a) : ValueLess(a, b);
  if (!less) {
    return InvalidArgument("'" + std::string(op) + "' not supported between instances of '" +
                           TypeName(a) + "' and '" + TypeName(b) + "'");
  }
  return (op == "<" || op == ">") ? *less : !*less;
}

Result<bool> Contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      return InvalidArgument("'in <string>' requires string as left operand, not " +
                             TypeName(item));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_dict()) return container.as_dict().Find(item) != nullptr;
  if (container.is_list()) {
    for (const Value& v : container.as_list().items) {
      if (ValuesEqual(v, item)) return true;
    }
    return false;
  }
  if (container.is_undefined()) return false;
  return InvalidArgument("argument of type '" + TypeName(container) + "' is not iterable");
}

Result<std::vector<Value>> Iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return std::vector<Value>{};
    case Value::Kind::kList:
      return value.as_list().items;
    case Value::Kind::kDict: {
      std::vector<Value> keys;
      for (const auto& [k, v] : value.as_dict().entries) keys.push_back(k);
      return keys;
    }
    case Value::Kind::kString: {
      std::vector<Value> chars;
      for (char32_t c : DecodeUtf8(value.as_string())) {
        std::string one;
        AppendUtf8(c, one);
        chars.emplace_back(std::move(one));
      }
      return chars;
    }
    default:
      return InvalidArgument("'" + TypeName(value) + "' object is not iterable");
  }
}

Result<int64_t> Length(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return int64_t{0};
    case Value::Kind::kString:
      return static_cast<int64_t>(CodePointCount(value.as_string()));
    case Value::Kind::kList:
      return static_cast<int64_t>(value.as_list().items.size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(value.as_dict().entries.size());
    default:
      return InvalidArgument("object of type '" + TypeName(value) + "' has no len()");
  }
}

Result<Value> GetAttribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) return UndefinedError(object);
  ER_ASSIGN_OR_RETURN(std::optional<Value> method, BoundMethod(object, name));
  if (method) return *method;
  if (object.is_dict()) {
    if (const Value* v = object.as_dict().Find(std::string_view(name))) return *v;
  } else if (object.is_namespace()) {
    if (const Value* v = object.as_namespace().Find(name)) return *v;
  }
  return Value::MakeUndefined(ObjectDescription(object) + " has no attribute '" + name + "'");
}

Result<Value> GetItem(const Value& object, const Value& key) {
  if (object.is_undefined()) return UndefinedError(object);
  if (object.is_dict()) {
    if (const Value* v = object.as_dict().Find(key)) return *v;
  } else if ((object.is_list() || object.is_string()) && key.is_integral()) {
    int64_t index = key.as_int();
    if (object.is_list()) {
      const auto& items = object.as_list().items;
      int64_t size = static_cast<int64_t>(items.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) return items[static_cast<size_t>(index)];
    } else {
      std::vector<char32_t> cps = DecodeUtf8(object.as_string());
      int64_t size = static_cast<int64_t>(cps.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) {
        std::string one;
        AppendUtf8(cps[static_cast<size_t>(index)], one);
        return Value(std::move(one));
      }
    }
  }
  if (key.is_string()) {
    if (object.is_namespace()) {
      if (const Value* v = object.as_namespace().Find(key.as_string())) return *v;
    }
    ER_ASSIGN_OR_RETURN(std::optional<Value> method, BoundMethod(object, key.as_string()));
    if (method) return *method;
    return Value::MakeUndefined(ObjectDescription(object) + " has no attribute '" +
                                key.as_string() + "'");
  }
  return Value::MakeUndefined(ObjectDescription(object) + " has no element " + PyRepr(key));
}

namespace {

Result<std::optional<int64_t>> SliceBound(const std::optional<Value>& bound) {
  if (!bound || bound->is_none()) return std::optional<int64_t>();
  if (!bound->is_integral()) return InvalidArgument("slice indices must be integers or None");
  return std::optional<int64_t>(bound->as_int());
}

}  // namespace

Result<Value> GetSlice(const Value& object, const std::optional<Value>& start_value,
                       const std::optional<Value>& stop_value,
                       const std::optional<Value>& step_value) {
  if (object.is_undefined()) return UndefinedError(object);
  ER_ASSIGN_OR_RETURN(auto start, SliceBound(start_value));
  ER_ASSIGN_OR_RETURN(auto stop, SliceBound(stop_value));
  ER_ASSIGN_OR_RETURN(auto step_opt, SliceBound(step_value));
  int64_t step = step_opt.value_or(1);
  if (step == 0) return InvalidArgument("slice step cannot be zero");
  if (!object.is_list() && !object.is_string()) {
    return Value::MakeUndefined(ObjectDescription(object) + " cannot be sliced");
  }
  std::vector<char32_t> cps;
  int64_t size = 0;
  if (object.is_string()) {
    cps = DecodeUtf8(object.as_string());
    size = static_cast<int64_t>(cps.size());
  } else {
    size = static_cast<int64_t>(object.as_list().items.size());
  }
  // Python's slice index adjustment.
  auto adjust = [&](std::optional<int64_t> index, int64_t fallback) {
    if (!index) return fallback;
    int64_t i = *index;
    if (i < 0) i += size;
    if (step > 0) return std::clamp<int64_t>(i, 0, size);
    return std::clamp<int64_t>(i, -1, size - 1);
  };
  int64_t begin = adjust(start, step > 0 ? 0 : size - 1);
  int64_t end = adjust(stop, step > 0 ? size : -1);
  std::vector<size_t> picks;
  for (int64_t i = begin; step > 0 ? i < end : i > end; i += step)
    picks.push_back(static_cast<size_t>(i));
  if (object.is_string()) {
    std::string out;
    for (size_t i : picks) AppendUtf8(cps[i], out);
    return Value(std::move(out));
  }
  std::vector<Value> items;
  for (size_t i : picks) items.push_back(object.as_list().items[i]);
  return Value::MakeList(std::move(items), object.as_list().is_tuple);
}

}  // namespace edgereason::jinja
